//! Encoding answers through the metadata's type registry, so the loopback node produces exactly
//! the bytes a real node would for types we only partly care about (events, the metagraph).
//!
//! `zero` builds a default value of any type; `fit` descends single-field wrappers and compact
//! types to place a leaf value; `variant` fills a named enum variant, defaulting its fields.

use scale_info::{PortableRegistry, TypeDef, TypeDefPrimitive};
use subxt::ext::scale_value::{Composite, Value, scale::encode_as_type};

/// A default value of type `id` (zeros, empty sequences, first enum variant).
pub(crate) fn zero(types: &PortableRegistry, id: u32) -> Value {
    let Some(ty) = types.resolve(id) else {
        return Value::unnamed_composite([]);
    };
    match &ty.type_def {
        TypeDef::Composite(c) => composite_of(types, &c.fields, |_, _| None),
        TypeDef::Variant(v) => match v.variants.first() {
            Some(first) => Value::variant(
                first.name.clone(),
                fields_of(types, &first.fields, |_, _| None),
            ),
            None => Value::unnamed_composite([]),
        },
        TypeDef::Sequence(_) => Value::unnamed_composite([]),
        TypeDef::Array(a) => {
            Value::unnamed_composite((0..a.len).map(|_| zero(types, a.type_param.id)))
        }
        TypeDef::Tuple(t) => Value::unnamed_composite(t.fields.iter().map(|f| zero(types, f.id))),
        TypeDef::Primitive(p) => match p {
            TypeDefPrimitive::Bool => Value::bool(false),
            TypeDefPrimitive::Str => Value::string(""),
            TypeDefPrimitive::Char => Value::char('0'),
            TypeDefPrimitive::I8
            | TypeDefPrimitive::I16
            | TypeDefPrimitive::I32
            | TypeDefPrimitive::I64
            | TypeDefPrimitive::I128
            | TypeDefPrimitive::I256 => Value::i128(0),
            _ => Value::u128(0),
        },
        TypeDef::Compact(_) => Value::u128(0),
        TypeDef::BitSequence(_) => Value::bit_sequence(Default::default()),
    }
}

type FieldFn<'a> = &'a dyn Fn(&str, u32) -> Option<Value>;

fn fields_of(
    types: &PortableRegistry,
    fields: &[scale_info::Field<scale_info::form::PortableForm>],
    pick: impl Fn(&str, u32) -> Option<Value>,
) -> Composite<()> {
    let named = fields.iter().all(|f| f.name.is_some()) && !fields.is_empty();
    if named {
        Composite::named(fields.iter().map(|f| {
            let name = f.name.clone().unwrap_or_default();
            let v = pick(&name, f.ty.id).unwrap_or_else(|| zero(types, f.ty.id));
            (name, v)
        }))
    } else {
        Composite::unnamed(
            fields.iter().enumerate().map(|(i, f)| {
                pick(&i.to_string(), f.ty.id).unwrap_or_else(|| zero(types, f.ty.id))
            }),
        )
    }
}

fn composite_of(
    types: &PortableRegistry,
    fields: &[scale_info::Field<scale_info::form::PortableForm>],
    pick: impl Fn(&str, u32) -> Option<Value>,
) -> Value {
    Value {
        value: subxt::ext::scale_value::ValueDef::Composite(fields_of(types, fields, pick)),
        context: (),
    }
}

/// A composite of type `id` whose named fields come from `pick` (others default).
pub(crate) fn composite(types: &PortableRegistry, id: u32, pick: FieldFn<'_>) -> Value {
    match types.resolve(id).map(|t| &t.type_def) {
        Some(TypeDef::Composite(c)) => composite_of(types, &c.fields, pick),
        _ => zero(types, id),
    }
}

/// Variant `name` of enum type `id` with fields from `pick` (others default).
pub(crate) fn variant(types: &PortableRegistry, id: u32, name: &str, pick: FieldFn<'_>) -> Value {
    let found = match types.resolve(id).map(|t| &t.type_def) {
        Some(TypeDef::Variant(v)) => v.variants.iter().find(|x| x.name == name),
        _ => None,
    };
    match found {
        Some(var) => Value::variant(name, fields_of(types, &var.fields, pick)),
        None => zero(types, id),
    }
}

/// The type ids of the fields of variant `name` of enum `id`, in order.
pub(crate) fn variant_field_types(types: &PortableRegistry, id: u32, name: &str) -> Vec<u32> {
    match types.resolve(id).map(|t| &t.type_def) {
        Some(TypeDef::Variant(v)) => v
            .variants
            .iter()
            .find(|x| x.name == name)
            .map(|x| x.fields.iter().map(|f| f.ty.id).collect())
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// The type id of named field `field` of composite `id`.
pub(crate) fn field_type(types: &PortableRegistry, id: u32, field: &str) -> Option<u32> {
    match types.resolve(id).map(|t| &t.type_def) {
        Some(TypeDef::Composite(c)) => c
            .fields
            .iter()
            .find(|f| f.name.as_deref() == Some(field))
            .map(|f| f.ty.id),
        _ => None,
    }
}

/// The element type of a sequence type (through single-field wrappers).
pub(crate) fn sequence_item(types: &PortableRegistry, id: u32) -> Option<u32> {
    match types.resolve(id).map(|t| &t.type_def) {
        Some(TypeDef::Sequence(s)) => Some(s.type_param.id),
        Some(TypeDef::Composite(c)) if c.fields.len() == 1 => {
            c.fields.first().and_then(|f| sequence_item(types, f.ty.id))
        }
        _ => None,
    }
}

/// Places `leaf` inside type `id`, descending single-field composites and compact wrappers.
pub(crate) fn fit(types: &PortableRegistry, id: u32, leaf: Value) -> Value {
    match types.resolve(id).map(|t| &t.type_def) {
        Some(TypeDef::Composite(c)) if c.fields.len() == 1 => {
            let inner = c.fields.first().map(|f| f.ty.id).unwrap_or(id);
            let v = fit(types, inner, leaf);
            match c.fields.first().and_then(|f| f.name.clone()) {
                Some(name) => Value::named_composite([(name, v)]),
                None => Value::unnamed_composite([v]),
            }
        }
        Some(TypeDef::Compact(c)) => fit(types, c.type_param.id, leaf),
        _ => leaf,
    }
}

/// A sequence of type `id` whose items are `leaves` fitted into the item type.
pub(crate) fn sequence(types: &PortableRegistry, id: u32, leaves: Vec<Value>) -> Value {
    let item = sequence_item(types, id).unwrap_or(id);
    let items = Value::unnamed_composite(leaves.into_iter().map(|l| fit(types, item, l)));
    // Re-wrap if the sequence sits inside a newtype (BoundedVec and friends).
    match types.resolve(id).map(|t| &t.type_def) {
        Some(TypeDef::Composite(c)) if c.fields.len() == 1 => Value::unnamed_composite([items]),
        _ => items,
    }
}

/// SCALE-encodes `value` as type `id`.
pub(crate) fn encode(types: &PortableRegistry, id: u32, value: &Value) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    encode_as_type(value, id, types, &mut out).map_err(|e| e.to_string())?;
    Ok(out)
}
