//! The Commitments pallet's `Data` type and the commitment structures built from it (SPEC §2.3,
//! §2.2 owner commitment string, §2.4 revealed commitments).
//!
//! This is hand-written SCALE because `Data` has 137 variants whose layout is fixed by the pallet;
//! a test checks the shape against the vendored metadata.

use codec::{Compact, Decode, Encode, Input};

/// Largest `RawN` payload.
pub const RAW_MAX: usize = 128;
/// Largest `BigRaw` payload.
pub const BIG_RAW_MAX: usize = 512;
/// Largest `TimelockEncrypted` ciphertext.
pub const TIMELOCK_MAX: usize = 1024;

const IDX_RAW0: u8 = 1;
const IDX_BLAKE: u8 = 130;
const IDX_SHA256: u8 = 131;
const IDX_KECCAK: u8 = 132;
const IDX_SHA3: u8 = 133;
const IDX_TIMELOCK: u8 = 134;
const IDX_RESET: u8 = 135;
const IDX_BIG_RAW: u8 = 136;

/// One field of a commitment (`pallet_commitments::Data`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Data {
    /// No data.
    None,
    /// `Raw0` … `Raw128`: up to 128 raw bytes (the variant index encodes the length).
    Raw(Vec<u8>),
    /// A BLAKE2-256 hash.
    BlakeTwo256([u8; 32]),
    /// A SHA-256 hash.
    Sha256([u8; 32]),
    /// A Keccak-256 hash.
    Keccak256([u8; 32]),
    /// A SHA3-256 hash.
    ShaThree256([u8; 32]),
    /// A drand timelock ciphertext revealed by the chain at `reveal_round`.
    TimelockEncrypted {
        /// The ciphertext (≤ 1024 bytes).
        encrypted: Vec<u8>,
        /// The drand round that unlocks it.
        reveal_round: u64,
    },
    /// The bonds-reset flag.
    ResetBondsFlag,
    /// Up to 512 raw bytes with a compact length prefix.
    BigRaw(Vec<u8>),
}

/// Why bytes are not a valid `Data` value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DataError {
    /// The input ended early or carried an impossible length.
    #[error("malformed Data: {0}")]
    Malformed(String),
    /// The variant index is not one of the 137 defined ones.
    #[error("unknown Data variant index {0}")]
    UnknownVariant(u8),
    /// A payload exceeds its bound.
    #[error("{variant} payload of {len} bytes exceeds {max}")]
    TooLong {
        /// Which variant.
        variant: &'static str,
        /// The length.
        len: usize,
        /// The bound.
        max: usize,
    },
}

impl Data {
    /// The smallest plain encoding of `bytes`: `RawN` up to 128 bytes, then `BigRaw` up to 512.
    pub fn plain(bytes: &[u8]) -> Result<Self, DataError> {
        if bytes.len() <= RAW_MAX {
            Ok(Data::Raw(bytes.to_vec()))
        } else if bytes.len() <= BIG_RAW_MAX {
            Ok(Data::BigRaw(bytes.to_vec()))
        } else {
            Err(DataError::TooLong {
                variant: "BigRaw",
                len: bytes.len(),
                max: BIG_RAW_MAX,
            })
        }
    }

    /// The variant name as the metadata spells it (`Raw83`, `BigRaw`, ...).
    pub fn variant_name(&self) -> String {
        match self {
            Data::None => "None".into(),
            Data::Raw(b) => format!("Raw{}", b.len()),
            Data::BlakeTwo256(_) => "BlakeTwo256".into(),
            Data::Sha256(_) => "Sha256".into(),
            Data::Keccak256(_) => "Keccak256".into(),
            Data::ShaThree256(_) => "ShaThree256".into(),
            Data::TimelockEncrypted { .. } => "TimelockEncrypted".into(),
            Data::ResetBondsFlag => "ResetBondsFlag".into(),
            Data::BigRaw(_) => "BigRaw".into(),
        }
    }

    /// Checks the bounds the pallet enforces.
    pub fn validate(&self) -> Result<(), DataError> {
        let (variant, len, max) = match self {
            Data::Raw(b) => ("Raw", b.len(), RAW_MAX),
            Data::BigRaw(b) => ("BigRaw", b.len(), BIG_RAW_MAX),
            Data::TimelockEncrypted { encrypted, .. } => {
                ("TimelockEncrypted", encrypted.len(), TIMELOCK_MAX)
            }
            _ => return Ok(()),
        };
        if len > max {
            return Err(DataError::TooLong { variant, len, max });
        }
        Ok(())
    }

    /// SCALE encoding. Call [`Data::validate`] first for values from outside.
    pub fn encode_to(&self, out: &mut Vec<u8>) {
        match self {
            Data::None => out.push(0),
            Data::Raw(b) => {
                // Length ≤ 128 is guaranteed by `validate`; clamp to stay well-formed regardless.
                let len = b.len().min(RAW_MAX);
                out.push(IDX_RAW0 + len as u8);
                out.extend_from_slice(b.get(..len).unwrap_or_default());
            }
            Data::BlakeTwo256(h) => push_hash(out, IDX_BLAKE, h),
            Data::Sha256(h) => push_hash(out, IDX_SHA256, h),
            Data::Keccak256(h) => push_hash(out, IDX_KECCAK, h),
            Data::ShaThree256(h) => push_hash(out, IDX_SHA3, h),
            Data::TimelockEncrypted {
                encrypted,
                reveal_round,
            } => {
                out.push(IDX_TIMELOCK);
                encrypted.encode_to(out);
                reveal_round.encode_to(out);
            }
            Data::ResetBondsFlag => out.push(IDX_RESET),
            Data::BigRaw(b) => {
                out.push(IDX_BIG_RAW);
                b.encode_to(out);
            }
        }
    }

    /// SCALE encoding as a new vector.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_to(&mut out);
        out
    }

    /// Decodes one value from the front of `input`, advancing it.
    pub fn decode_from(input: &mut &[u8]) -> Result<Self, DataError> {
        let idx = u8::decode(input).map_err(malformed)?;
        let data = match idx {
            0 => Data::None,
            IDX_RAW0..=129 => {
                let len = usize::from(idx - IDX_RAW0);
                let mut b = vec![0u8; len];
                input.read(&mut b).map_err(malformed)?;
                Data::Raw(b)
            }
            IDX_BLAKE => Data::BlakeTwo256(read_hash(input)?),
            IDX_SHA256 => Data::Sha256(read_hash(input)?),
            IDX_KECCAK => Data::Keccak256(read_hash(input)?),
            IDX_SHA3 => Data::ShaThree256(read_hash(input)?),
            IDX_TIMELOCK => {
                let encrypted = read_bounded(input, "TimelockEncrypted", TIMELOCK_MAX)?;
                let reveal_round = u64::decode(input).map_err(malformed)?;
                Data::TimelockEncrypted {
                    encrypted,
                    reveal_round,
                }
            }
            IDX_RESET => Data::ResetBondsFlag,
            IDX_BIG_RAW => Data::BigRaw(read_bounded(input, "BigRaw", BIG_RAW_MAX)?),
            other => return Err(DataError::UnknownVariant(other)),
        };
        Ok(data)
    }

    /// The text of a plain field: `Raw*`/`BigRaw` bytes as UTF-8 dropping invalid sequences
    /// (Python `errors="ignore"`); `None` for every other variant.
    pub fn plain_text(&self) -> Option<String> {
        match self {
            Data::Raw(b) | Data::BigRaw(b) => Some(utf8_ignore(b)),
            _ => None,
        }
    }
}

fn push_hash(out: &mut Vec<u8>, idx: u8, h: &[u8; 32]) {
    out.push(idx);
    out.extend_from_slice(h);
}

fn read_hash(input: &mut &[u8]) -> Result<[u8; 32], DataError> {
    <[u8; 32]>::decode(input).map_err(malformed)
}

fn read_bounded(
    input: &mut &[u8],
    variant: &'static str,
    max: usize,
) -> Result<Vec<u8>, DataError> {
    let len = Compact::<u32>::decode(input).map_err(malformed)?.0 as usize;
    if len > max {
        return Err(DataError::TooLong { variant, len, max });
    }
    let mut b = vec![0u8; len];
    input.read(&mut b).map_err(malformed)?;
    Ok(b)
}

fn malformed(e: codec::Error) -> DataError {
    DataError::Malformed(e.to_string())
}

/// Decodes UTF-8 dropping invalid sequences, as Python's `bytes.decode(errors="ignore")`.
pub fn utf8_ignore(bytes: &[u8]) -> String {
    bytes.utf8_chunks().map(|c| c.valid()).collect()
}

/// `CommitmentInfo { fields: BoundedVec<Data, MaxFields> }` as stored and as submitted.
pub fn encode_fields(fields: &[Data]) -> Vec<u8> {
    let mut out = Vec::new();
    Compact(fields.len() as u32).encode_to(&mut out);
    for f in fields {
        f.encode_to(&mut out);
    }
    out
}

/// Decodes `CommitmentInfo.fields`.
pub fn decode_fields(input: &mut &[u8]) -> Result<Vec<Data>, DataError> {
    let n = Compact::<u32>::decode(input).map_err(malformed)?.0;
    if n > 16 {
        return Err(DataError::Malformed(format!("{n} fields")));
    }
    (0..n).map(|_| Data::decode_from(input)).collect()
}

/// A decoded `Commitments.CommitmentOf` value: `Registration { deposit, block, info }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    /// Deposit held for the commitment.
    pub deposit: u64,
    /// Block at which it was (last) set.
    pub block: u32,
    /// The fields (at most 3 on Subtensor).
    pub fields: Vec<Data>,
}

impl Registration {
    /// Decodes the whole storage value; trailing bytes are an error.
    pub fn decode_all(mut bytes: &[u8]) -> Result<Self, DataError> {
        let input = &mut bytes;
        let deposit = u64::decode(input).map_err(malformed)?;
        let block = u32::decode(input).map_err(malformed)?;
        let fields = decode_fields(input)?;
        if !input.is_empty() {
            return Err(DataError::Malformed(format!(
                "{} trailing bytes",
                input.len()
            )));
        }
        Ok(Registration {
            deposit,
            block,
            fields,
        })
    }

    /// SCALE encoding (used by the fakes).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.deposit.encode_to(&mut out);
        self.block.encode_to(&mut out);
        out.extend(encode_fields(&self.fields));
        out
    }

    /// The commitment string as the reference SDK derives it (SPEC §2.2): the first field's text
    /// if it is a plain variant, else `None`.
    pub fn first_text(&self) -> Option<String> {
        self.fields.first().and_then(Data::plain_text)
    }
}

/// The commitment string inside one revealed entry (SPEC §2.4): skip the SCALE compact prefix by
/// its low two bits (mode 0 → 1 byte, 1 → 2, 2 and 3 → 4) and decode the rest dropping invalid
/// UTF-8. Mode 3 is wrong in general but reproduced as the reference does it.
pub fn revealed_text(data: &[u8]) -> String {
    let skip = match data.first().map(|b| b & 0b11) {
        None => return String::new(),
        Some(0) => 1,
        Some(1) => 2,
        Some(_) => 4,
    };
    utf8_ignore(data.get(skip..).unwrap_or_default())
}

/// Decodes a `Commitments.RevealedCommitments` value: `Vec<(Vec<u8>, u64)>`.
pub fn decode_revealed(mut bytes: &[u8]) -> Result<Vec<(Vec<u8>, u64)>, DataError> {
    let v = <Vec<(Vec<u8>, u64)>>::decode(&mut bytes).map_err(malformed)?;
    if !bytes.is_empty() {
        return Err(DataError::Malformed(format!(
            "{} trailing bytes",
            bytes.len()
        )));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn roundtrip(d: &Data) -> Data {
        let bytes = d.encode();
        let mut input = &bytes[..];
        let back = Data::decode_from(&mut input).unwrap();
        assert!(input.is_empty());
        back
    }

    #[test]
    fn table_of_indices() {
        assert_eq!(Data::None.encode(), vec![0]);
        assert_eq!(Data::Raw(vec![]).encode(), vec![1]);
        assert_eq!(Data::Raw(vec![7; 128]).encode()[0], 129);
        assert_eq!(Data::ResetBondsFlag.encode(), vec![135]);
        assert_eq!(Data::BigRaw(vec![9]).encode(), vec![136, 4, 9]);
        assert_eq!(Data::Sha256([1; 32]).encode()[0], 131);
        let tl = Data::TimelockEncrypted {
            encrypted: vec![1, 2],
            reveal_round: 5,
        };
        assert_eq!(tl.encode(), vec![134, 8, 1, 2, 5, 0, 0, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn allowlist_string_is_raw83() {
        let s = format!("leoma:allowlist:v1:{}", "a".repeat(64));
        let d = Data::plain(s.as_bytes()).unwrap();
        assert_eq!(d.variant_name(), "Raw83");
        assert_eq!(d.encode()[0], 84);
        assert_eq!(roundtrip(&d).plain_text().as_deref(), Some(s.as_str()));
    }

    #[test]
    fn plain_boundaries() {
        assert_eq!(Data::plain(&[0; 128]).unwrap().variant_name(), "Raw128");
        assert_eq!(Data::plain(&[0; 129]).unwrap().variant_name(), "BigRaw");
        assert_eq!(Data::plain(&[0; 512]).unwrap().variant_name(), "BigRaw");
        assert!(matches!(
            Data::plain(&[0; 513]),
            Err(DataError::TooLong { len: 513, .. })
        ));
    }

    #[test]
    fn rejects_bad_input() {
        assert_eq!(
            Data::decode_from(&mut &[137u8][..]),
            Err(DataError::UnknownVariant(137))
        );
        assert!(Data::decode_from(&mut &[5u8, 1, 2][..]).is_err());
        // BigRaw claiming 513 bytes.
        let mut b = vec![136u8];
        Compact(513u32).encode_to(&mut b);
        b.extend(vec![0; 513]);
        assert!(matches!(
            Data::decode_from(&mut &b[..]),
            Err(DataError::TooLong { .. })
        ));
        assert!(Data::decode_from(&mut &[][..]).is_err());
    }

    #[test]
    fn plain_text_drops_invalid_utf8() {
        let d = Data::Raw(vec![b'a', 0xff, b'b', 0xe2, 0x82]);
        assert_eq!(d.plain_text().as_deref(), Some("ab"));
        assert_eq!(Data::Sha256([0; 32]).plain_text(), None);
    }

    #[test]
    fn registration_roundtrip_and_first_text() {
        let r = Registration {
            deposit: 0,
            block: 1234,
            fields: vec![Data::Raw(b"hello".to_vec()), Data::ResetBondsFlag],
        };
        let back = Registration::decode_all(&r.encode()).unwrap();
        assert_eq!(back, r);
        assert_eq!(back.first_text().as_deref(), Some("hello"));
        let no_text = Registration {
            fields: vec![Data::None],
            ..r.clone()
        };
        assert_eq!(no_text.first_text(), None);
        let mut trailing = r.encode();
        trailing.push(0);
        assert!(Registration::decode_all(&trailing).is_err());
    }

    #[test]
    fn revealed_text_modes() {
        // Mode 0: one-byte compact (len 3).
        assert_eq!(revealed_text(&[3 << 2, b'a', b'b', b'c']), "abc");
        // Mode 1: two-byte compact.
        let payload = "x".repeat(100);
        let mut b = Compact(100u32).encode();
        assert_eq!(b.len(), 2);
        b.extend(payload.as_bytes());
        assert_eq!(revealed_text(&b), payload);
        // Mode 2 and 3 skip four bytes.
        assert_eq!(revealed_text(&[0b10, 0, 0, 0, b'z']), "z");
        assert_eq!(revealed_text(&[0b11, 0, 0, 0, b'q']), "q");
        assert_eq!(revealed_text(&[]), "");
        assert_eq!(revealed_text(&[0b10]), "");
    }

    #[test]
    fn revealed_value_roundtrip() {
        let v = vec![(b"\x08hi".to_vec(), 77u64), (vec![], 80)];
        assert_eq!(decode_revealed(&v.encode()).unwrap(), v);
    }

    fn arb_data() -> impl Strategy<Value = Data> {
        prop_oneof![
            Just(Data::None),
            proptest::collection::vec(any::<u8>(), 0..=RAW_MAX).prop_map(Data::Raw),
            any::<[u8; 32]>().prop_map(Data::BlakeTwo256),
            any::<[u8; 32]>().prop_map(Data::Sha256),
            any::<[u8; 32]>().prop_map(Data::Keccak256),
            any::<[u8; 32]>().prop_map(Data::ShaThree256),
            (
                proptest::collection::vec(any::<u8>(), 0..=TIMELOCK_MAX),
                any::<u64>()
            )
                .prop_map(|(encrypted, reveal_round)| Data::TimelockEncrypted {
                    encrypted,
                    reveal_round
                }),
            Just(Data::ResetBondsFlag),
            proptest::collection::vec(any::<u8>(), 0..=BIG_RAW_MAX).prop_map(Data::BigRaw),
        ]
    }

    proptest! {
        #[test]
        fn data_roundtrips(d in arb_data()) {
            prop_assert!(d.validate().is_ok());
            prop_assert_eq!(roundtrip(&d), d);
        }

        #[test]
        fn fields_roundtrip(fields in proptest::collection::vec(arb_data(), 0..=3)) {
            let bytes = encode_fields(&fields);
            let mut input = &bytes[..];
            prop_assert_eq!(decode_fields(&mut input).unwrap(), fields);
            prop_assert!(input.is_empty());
        }

        #[test]
        fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let mut input = &bytes[..];
            if let Ok(d) = Data::decode_from(&mut input) {
                // Whatever decodes re-encodes to exactly the consumed prefix.
                let used = bytes.len() - input.len();
                prop_assert_eq!(d.encode(), bytes[..used].to_vec());
            }
        }

        #[test]
        fn plain_text_is_identity_on_utf8(s in "\\PC{0,100}") {
            if let Ok(d) = Data::plain(s.as_bytes()) {
                prop_assert_eq!(roundtrip(&d).plain_text(), Some(s));
            }
        }
    }
}
