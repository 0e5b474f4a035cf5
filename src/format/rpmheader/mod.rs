//! The RPM header codec, shared by the writer (`write::rpm`) and the reader
//! (`inventory::rpm`): the tag tables ([`Tag`], [`SigTag`]), tag data ([`Val`]), [`encode`]
//! (lib/header.c headerExport(), as written into package files), [`RawHeader::read`] with the
//! bounds checks of rpm's headerVerify, the lead constants and [`hex`].
//!
//! Headers are encoded here rather than with `rpm::Header`: its encoder is crate-private and its
//! strings are `String`, while file names are bytes (not necessarily UTF-8). Headers are read
//! here first because the `rpm` crate slices the data store by the index without bounds checks
//! and would panic on a corrupt offset.

mod tag;

use std::collections::HashMap;
use std::io::{self, Read};

pub use tag::{SigTag, Tag, TagKind, Type};

/// Size of the lead (lib/rpmlead.c).
pub const LEAD_SIZE: usize = 96;
pub const LEAD_MAGIC: [u8; 4] = [0xed, 0xab, 0xee, 0xdb];
/// Header magic and version 1; four reserved zero bytes follow it.
pub const HEADER_MAGIC: [u8; 4] = [0x8e, 0xad, 0xe8, 0x01];
/// rpm's limit on a header's data size (HEADER_DATA_MAX, hdrchkData()).
pub const HEADER_DATA_MAX: usize = 0x0fff_ffff;
/// rpm's limit on a header's index entries (hdrchkTags()).
pub const MAX_INDEX_ENTRIES: usize = 0xffff;

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

// ---------------------------------------------------------------------------------------------
// Values

/// One tag's data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Val {
    I16(Vec<u16>),
    I32(Vec<u32>),
    I64(Vec<u64>),
    Str(Vec<u8>),
    I18n(Vec<u8>),
    StrArray(Vec<Vec<u8>>),
    Bin(Vec<u8>),
}

impl Val {
    pub fn str(s: &str) -> Val {
        Val::Str(s.as_bytes().to_vec())
    }
    pub fn strs<I: IntoIterator<Item = S>, S: AsRef<[u8]>>(it: I) -> Val {
        Val::StrArray(it.into_iter().map(|s| s.as_ref().to_vec()).collect())
    }
    pub fn data_type(&self) -> Type {
        match self {
            Val::I16(_) => Type::Int16,
            Val::I32(_) => Type::Int32,
            Val::I64(_) => Type::Int64,
            Val::Str(_) => Type::String,
            Val::Bin(_) => Type::Bin,
            Val::StrArray(_) => Type::StringArray,
            Val::I18n(_) => Type::I18nString,
        }
    }
    /// (count, alignment)
    fn shape(&self) -> (usize, usize) {
        match self {
            Val::I16(v) => (v.len(), 2),
            Val::I32(v) => (v.len(), 4),
            Val::I64(v) => (v.len(), 8),
            Val::Str(_) | Val::I18n(_) => (1, 1),
            Val::Bin(b) => (b.len(), 1),
            Val::StrArray(v) => (v.len(), 1),
        }
    }
    /// The strings of a string-typed value (none for the others).
    pub fn strings(&self) -> Box<dyn Iterator<Item = &[u8]> + '_> {
        match self {
            Val::Str(s) | Val::I18n(s) => Box::new(std::iter::once(s.as_slice())),
            Val::StrArray(v) => Box::new(v.iter().map(|s| s.as_slice())),
            _ => Box::new(std::iter::empty()),
        }
    }
    fn append(&self, out: &mut Vec<u8>) {
        match self {
            Val::I16(v) => v
                .iter()
                .for_each(|x| out.extend_from_slice(&x.to_be_bytes())),
            Val::I32(v) => v
                .iter()
                .for_each(|x| out.extend_from_slice(&x.to_be_bytes())),
            Val::I64(v) => v
                .iter()
                .for_each(|x| out.extend_from_slice(&x.to_be_bytes())),
            Val::Bin(b) => out.extend_from_slice(b),
            Val::Str(_) | Val::I18n(_) | Val::StrArray(_) => {
                for s in self.strings() {
                    out.extend_from_slice(s);
                    out.push(0);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Encoding

/// Why a header cannot be encoded.
#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    #[error("tag {tag}: a string contains a NUL byte")]
    Nul { tag: u32 },
    #[error("header data is {size} bytes, more than rpm accepts ({HEADER_DATA_MAX})")]
    TooLarge { size: usize },
    #[error("tag {tag} ({name}): {got} data, rpm's tag table says {want}")]
    Type {
        tag: u32,
        name: &'static str,
        got: Type,
        want: Type,
    },
}

/// An encoded header.
#[derive(Debug)]
pub struct Encoded<T> {
    pub bytes: Vec<u8>,
    /// Byte offset of each tag's data within `bytes`.
    pub offsets: HashMap<T, usize>,
}

/// Encode one header as a single immutable region: the region tag's index entry first (it
/// points at a 16-byte trailer at the end of the data whose offset is `-(il * 16)`), then the
/// entries sorted by tag, data in the same order, each aligned to its type's size (INT16 2,
/// INT32 4, INT64 8). This is what rpmbuild writes and what hdrblobVerifyRegion() checks:
/// trailer tag/type/count, and in package files `ril == il`, `rdl == dl`.
///
/// Every entry's type is checked against the tag table (tags not in it are taken as they are).
pub fn encode<T: TagKind>(
    region: T,
    mut entries: Vec<(T, Val)>,
) -> Result<Encoded<T>, EncodeError> {
    entries.sort_by_key(|(t, _)| *t);
    let il = entries.len() + 1;
    let mut index = Vec::with_capacity(il * 16);
    let mut store = Vec::new();
    let mut data_offsets = Vec::with_capacity(entries.len());
    for (t, v) in &entries {
        let ty = v.data_type();
        if let (Some(want), Some(name)) = (t.data_type(), t.name()) {
            // The legacy exception rpm keeps: a scriptlet interpreter without arguments is a
            // STRING in a STRING_ARRAY tag (build/parseScript.c); rpm reads both.
            let legacy = t.is_prog() && want == Type::StringArray && ty == Type::String;
            if want != ty && !legacy {
                return Err(EncodeError::Type {
                    tag: t.number(),
                    name,
                    got: ty,
                    want,
                });
            }
        }
        if v.strings().any(|s| s.contains(&0)) {
            return Err(EncodeError::Nul { tag: t.number() });
        }
        let (count, align) = v.shape();
        while store.len() % align != 0 {
            store.push(0);
        }
        let off = store.len();
        v.append(&mut store);
        for x in [t.number(), ty as u32, off as u32, count as u32] {
            index.extend_from_slice(&x.to_be_bytes());
        }
        data_offsets.push((*t, off));
    }
    let trailer_off = store.len();
    for x in [
        region.number() as i32,
        Type::Bin as i32,
        -((il * 16) as i32),
        16,
    ] {
        store.extend_from_slice(&x.to_be_bytes());
    }
    if store.len() > HEADER_DATA_MAX {
        return Err(EncodeError::TooLarge { size: store.len() });
    }
    let mut bytes = Vec::with_capacity(16 + il * 16 + store.len());
    bytes.extend_from_slice(&HEADER_MAGIC);
    bytes.extend_from_slice(&[0; 4]);
    bytes.extend_from_slice(&(il as u32).to_be_bytes());
    bytes.extend_from_slice(&(store.len() as u32).to_be_bytes());
    for x in [region.number(), Type::Bin as u32, trailer_off as u32, 16] {
        bytes.extend_from_slice(&x.to_be_bytes());
    }
    bytes.extend_from_slice(&index);
    let data_start = bytes.len();
    bytes.extend_from_slice(&store);
    Ok(Encoded {
        bytes,
        offsets: data_offsets
            .into_iter()
            .map(|(t, o)| (t, data_start + o))
            .collect(),
    })
}

// ---------------------------------------------------------------------------------------------
// Decoding

/// Why a header cannot be read. `Corrupt` messages are whole sentences about the input.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error(transparent)]
    Io(io::Error),
    #[error("{0}")]
    Corrupt(String),
}

/// Why a tag's value cannot be had from a header.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GetError {
    #[error("not present")]
    Missing,
    #[error("has type {got}, expected {want}")]
    Type { got: u32, want: &'static str },
}

/// A header as stored (16-byte intro, index, data store), its index already checked: every
/// accessor stays inside the store. `T` is the header's tag type.
#[derive(Debug)]
pub struct RawHeader<T> {
    bytes: Vec<u8>,
    nindex: usize,
    tags: std::marker::PhantomData<T>,
}

/// Total length of `count` NUL-terminated strings at the start of `data`.
fn strings_len(data: &[u8], count: usize) -> Option<usize> {
    let mut len = 0;
    for _ in 0..count {
        len += data[len..].iter().position(|&b| b == 0)? + 1;
    }
    Some(len)
}

/// Check every index entry of a header: known type, offset and length inside the data store,
/// alignment, strings terminated. What rpm's headerVerify checks, so that no later reader can
/// run off the store.
fn check_index(bytes: &[u8], nindex: usize, what: &str) -> Result<(), String> {
    let store = &bytes[16 + 16 * nindex..];
    let dsize = store.len();
    // rpm's hdrblobVerifyInfo: after the region entry, each entry's data starts at or after
    // the end of the one before it in the index (a string without its NUL would run into the
    // next entry's data and read as one longer string), and stays off the region trailer.
    let region = match nindex {
        0 => None,
        _ => match be32(&bytes[16..20]) {
            61..=63 => Some(be32(&bytes[24..28]) as usize + 16),
            _ => None,
        },
    };
    let mut end = 0usize;
    for i in 0..nindex {
        let e = &bytes[16 + 16 * i..32 + 16 * i];
        let (tag, ty, offset, count) = (
            be32(&e[0..4]),
            be32(&e[4..8]),
            be32(&e[8..12]) as i32,
            be32(&e[12..16]) as usize,
        );
        let bad = |why: String| format!("bad {what} index: entry {i} (tag {tag}) {why}");
        let Some(ty) = Type::from_u32(ty) else {
            return Err(bad(format!("has unknown data type {ty}")));
        };
        if offset < 0 || offset as usize > dsize {
            return Err(bad(format!(
                "points at offset {offset}, outside the data store of {dsize} bytes"
            )));
        }
        if ty != Type::Null && count == 0 {
            return Err(bad("has no data".into()));
        }
        let offset = offset as usize;
        let align = match ty {
            Type::Int16 => 2,
            Type::Int32 => 4,
            Type::Int64 => 8,
            _ => 1,
        };
        if offset & (align - 1) != 0 {
            return Err(bad(format!("has misaligned data at offset {offset}")));
        }
        let data = &store[offset..];
        let len = match ty {
            Type::Null => Some(0),
            Type::Char | Type::Int8 | Type::Bin => Some(count),
            Type::Int16 => count.checked_mul(2),
            Type::Int32 => count.checked_mul(4),
            Type::Int64 => count.checked_mul(8),
            Type::String if count != 1 => {
                return Err(bad(format!("is a string with count {count}")));
            }
            _ if count > data.len() => None,
            Type::String | Type::StringArray | Type::I18nString => strings_len(data, count),
        };
        match len {
            Some(len) if len <= data.len() => {
                if i == 0 && region.is_some() {
                    continue;
                }
                if offset < end {
                    return Err(bad(format!(
                        "has data at offset {offset}, inside the data of the entry before it                          (which ends at {end}): an unterminated string, or overlapping entries"
                    )));
                }
                end = offset + len;
                if let Some(rdl) = region {
                    if end > rdl.saturating_sub(16) && offset < rdl {
                        return Err(bad("runs into the region trailer".into()));
                    }
                }
            }
            _ => {
                return Err(bad(format!(
                    "runs past the end of the data store ({count} items of type {} at offset \
                     {offset}, store of {dsize} bytes)",
                    ty as u32
                )))
            }
        }
    }
    Ok(())
}

impl<T: TagKind> RawHeader<T> {
    /// Read one header (`what`: "signature header", "header") as raw bytes and check its
    /// index, within rpm's limits on its size.
    pub fn read(r: &mut impl Read, what: &str) -> Result<Self, DecodeError> {
        let read = |r: &mut dyn Read, buf: &mut [u8]| {
            r.read_exact(buf).map_err(|e| {
                if e.kind() == io::ErrorKind::UnexpectedEof {
                    DecodeError::Corrupt(format!("truncated RPM: the file ends inside the {what}"))
                } else {
                    DecodeError::Io(e)
                }
            })
        };
        let corrupt = |s: String| Err(DecodeError::Corrupt(s));
        let mut intro = [0u8; 16];
        read(r, &mut intro)?;
        if intro[..4] != HEADER_MAGIC {
            return corrupt(format!(
                "bad {what} magic {} (expected {}): not an RPM, or a corrupt one",
                hex(&intro[..4]),
                hex(&HEADER_MAGIC)
            ));
        }
        let nindex = be32(&intro[8..12]) as usize;
        let dsize = be32(&intro[12..16]) as usize;
        if nindex == 0 || nindex > MAX_INDEX_ENTRIES {
            return corrupt(format!("bad {what}: {nindex} index entries"));
        }
        if dsize > HEADER_DATA_MAX {
            return corrupt(format!("bad {what}: data store of {dsize} bytes"));
        }
        let mut bytes = vec![0u8; 16 + 16 * nindex + dsize];
        bytes[..16].copy_from_slice(&intro);
        read(r, &mut bytes[16..])?;
        check_index(&bytes, nindex, what).map_err(DecodeError::Corrupt)?;
        Ok(RawHeader {
            bytes,
            nindex,
            tags: std::marker::PhantomData,
        })
    }

    /// The header as stored.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Number of index entries (the region tag included).
    pub fn nindex(&self) -> usize {
        self.nindex
    }

    fn store(&self) -> &[u8] {
        &self.bytes[16 + 16 * self.nindex..]
    }

    /// `(type, offset, count)` of a tag's first entry.
    pub fn entry(&self, tag: T) -> Option<(u32, usize, usize)> {
        (0..self.nindex).find_map(|i| {
            let e = &self.bytes[16 + 16 * i..32 + 16 * i];
            (be32(&e[0..4]) == tag.number()).then(|| {
                (
                    be32(&e[4..8]),
                    be32(&e[8..12]) as usize,
                    be32(&e[12..16]) as usize,
                )
            })
        })
    }

    /// The data of a tag whose type is one of `types`.
    fn data(
        &self,
        tag: T,
        types: &[Type],
        want: &'static str,
    ) -> Result<(Type, &[u8], usize), GetError> {
        let (ty, offset, count) = self.entry(tag).ok_or(GetError::Missing)?;
        match Type::from_u32(ty) {
            Some(t) if types.contains(&t) => Ok((t, &self.store()[offset..], count)),
            _ => Err(GetError::Type { got: ty, want }),
        }
    }

    /// The strings of a STRING, STRING_ARRAY or I18NSTRING entry (the index check made sure
    /// they are terminated inside the store).
    fn strings_at(data: &[u8], count: usize) -> Vec<&[u8]> {
        let mut rest = data;
        let mut out = Vec::with_capacity(count);
        for _ in 0..count {
            // cannot fail: check_index made sure every string ends in the store
            let end = rest.iter().position(|&b| b == 0).expect("checked index");
            out.push(&rest[..end]);
            rest = &rest[end + 1..];
        }
        out
    }

    fn ints<const N: usize, I>(
        &self,
        tag: T,
        ty: Type,
        want: &'static str,
        from: fn([u8; N]) -> I,
    ) -> Result<Vec<I>, GetError> {
        let (_, data, count) = self.data(tag, &[ty], want)?;
        Ok(data[..count * N]
            .chunks_exact(N)
            // cannot fail: chunks_exact gives N-byte chunks
            .map(|c| from(c.try_into().expect("N bytes")))
            .collect())
    }

    /// An INT16 array.
    pub fn u16s(&self, tag: T) -> Result<Vec<u16>, GetError> {
        self.ints(tag, Type::Int16, "INT16", u16::from_be_bytes)
    }

    /// An INT32 array.
    pub fn u32s(&self, tag: T) -> Result<Vec<u32>, GetError> {
        self.ints(tag, Type::Int32, "INT32", u32::from_be_bytes)
    }

    /// An INT64 array.
    pub fn u64s(&self, tag: T) -> Result<Vec<u64>, GetError> {
        self.ints(tag, Type::Int64, "INT64", u64::from_be_bytes)
    }

    /// The first value of an INT32 entry.
    pub fn u32(&self, tag: T) -> Result<u32, GetError> {
        Ok(self.u32s(tag)?[0])
    }

    /// The first value of an INT64 entry.
    pub fn u64(&self, tag: T) -> Result<u64, GetError> {
        Ok(self.u64s(tag)?[0])
    }

    /// A STRING entry, as bytes.
    pub fn string(&self, tag: T) -> Result<&[u8], GetError> {
        let (_, data, _) = self.data(tag, &[Type::String], "STRING")?;
        Ok(Self::strings_at(data, 1)[0])
    }

    /// A STRING_ARRAY (or I18NSTRING) entry as bytes: file names need not be UTF-8.
    pub fn strings(&self, tag: T) -> Result<Vec<&[u8]>, GetError> {
        let (_, data, count) =
            self.data(tag, &[Type::StringArray, Type::I18nString], "STRING_ARRAY")?;
        Ok(Self::strings_at(data, count))
    }

    /// A BIN entry.
    pub fn bin(&self, tag: T) -> Result<&[u8], GetError> {
        let (_, data, count) = self.data(tag, &[Type::Bin], "BIN")?;
        Ok(&data[..count])
    }

    /// A tag's value, whatever its type (`None` when absent or of a type [`Val`] does not
    /// hold: NULL, CHAR, INT8).
    pub fn get(&self, tag: T) -> Option<Val> {
        let (ty, _, _) = self.entry(tag)?;
        let owned = |v: Vec<&[u8]>| v.into_iter().map(<[u8]>::to_vec).collect::<Vec<_>>();
        Some(match Type::from_u32(ty)? {
            Type::Int16 => Val::I16(self.u16s(tag).ok()?),
            Type::Int32 => Val::I32(self.u32s(tag).ok()?),
            Type::Int64 => Val::I64(self.u64s(tag).ok()?),
            Type::String => Val::Str(self.string(tag).ok()?.to_vec()),
            Type::Bin => Val::Bin(self.bin(tag).ok()?.to_vec()),
            Type::StringArray => Val::StrArray(owned(self.strings(tag).ok()?)),
            Type::I18nString => Val::I18n(self.strings(tag).ok()?.into_iter().next()?.to_vec()),
            Type::Null | Type::Char | Type::Int8 => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode<T: TagKind>(bytes: &[u8]) -> Result<RawHeader<T>, DecodeError> {
        RawHeader::read(&mut &bytes[..], "header")
    }

    fn corrupt<T: TagKind + 'static>(bytes: &[u8]) -> String {
        match decode::<T>(bytes) {
            Err(DecodeError::Corrupt(s)) => s,
            other => panic!("expected a corrupt header, got {other:?}"),
        }
    }

    /// Set field `field` (0 tag, 1 type, 2 offset, 3 count) of index entry `i` (0 is the
    /// region tag).
    fn patch(bytes: &mut [u8], i: usize, field: usize, value: u32) {
        let at = 16 + 16 * i + 4 * field;
        bytes[at..at + 4].copy_from_slice(&value.to_be_bytes());
    }

    fn every_type() -> Vec<(Tag, Val)> {
        vec![
            (Tag::NAME, Val::str("abc")),
            (Tag::LONGSIZE, Val::I64(vec![7, u64::MAX])),
            (Tag::FILEMODES, Val::I16(vec![1, 2, 0xffff])),
            (Tag::SIZE, Val::I32(vec![5])),
            (Tag::SUMMARY, Val::I18n(b"sum".to_vec())),
            (Tag::BASENAMES, Val::strs([&b"a"[..], b"", b"\xff\xfe"])),
            (Tag::HEADERIMMUTABLE, Val::Bin(vec![0, 1, 2])),
        ]
    }

    #[test]
    fn header_region_trailer_and_alignment() {
        let enc = encode(
            Tag::HEADERIMMUTABLE,
            vec![
                (Tag::NAME, Val::str("abc")),
                (Tag::LONGSIZE, Val::I64(vec![7])),
                (Tag::FILEMODES, Val::I16(vec![1, 2, 3])),
                (Tag::SIZE, Val::I32(vec![5])),
            ],
        )
        .unwrap();
        let b = &enc.bytes;
        assert_eq!(&b[..8], &[0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0]);
        let il = u32::from_be_bytes(b[8..12].try_into().unwrap()) as usize;
        let dl = u32::from_be_bytes(b[12..16].try_into().unwrap()) as usize;
        assert_eq!(il, 5);
        assert_eq!(b.len(), 16 + il * 16 + dl);
        // trailer: tag 63, BIN, -(il*16), 16
        let t = &b[b.len() - 16..];
        assert_eq!(i32::from_be_bytes(t[8..12].try_into().unwrap()), -(5 * 16));
        let ds = 16 + il * 16;
        assert_eq!(enc.offsets[&Tag::LONGSIZE] - ds, 16); // "abc\0" 4, pad to 4, i32 at 4..8, i16x3 8..14, pad to 16
        assert_eq!((enc.offsets[&Tag::SIZE] - ds) % 4, 0);
    }

    #[test]
    fn every_value_type_round_trips() {
        // The region tag is BIN like the value given for it; that entry is found first.
        let entries: Vec<_> = every_type()
            .into_iter()
            .filter(|(t, _)| *t != Tag::HEADERIMMUTABLE)
            .chain([(Tag::PAYLOADFLAGS, Val::str(""))])
            .collect();
        let enc = encode(Tag::HEADERIMMUTABLE, entries.clone()).unwrap();
        let h = decode::<Tag>(&enc.bytes).unwrap();
        assert_eq!(h.bytes(), &enc.bytes[..]);
        assert_eq!(h.nindex(), entries.len() + 1);
        for (t, v) in &entries {
            assert_eq!(h.get(*t).as_ref(), Some(v), "{t}");
        }
        // Bin: the signature header's MD5.
        let enc = encode(
            SigTag::HEADERSIGNATURES,
            vec![(SigTag::MD5, Val::Bin(vec![9; 16]))],
        )
        .unwrap();
        let h = decode::<SigTag>(&enc.bytes).unwrap();
        assert_eq!(h.get(SigTag::MD5), Some(Val::Bin(vec![9; 16])));
        assert_eq!(h.bin(SigTag::MD5).unwrap(), &[9; 16]);
        // The region tag's trailer.
        assert_eq!(h.bin(SigTag::HEADERSIGNATURES).unwrap().len(), 16);
    }

    #[test]
    fn typed_getters_check_types() {
        let enc = encode(Tag::HEADERIMMUTABLE, every_type()[..4].to_vec()).unwrap();
        let h = decode::<Tag>(&enc.bytes).unwrap();
        assert_eq!(h.string(Tag::NAME).unwrap(), b"abc");
        assert_eq!(h.u32(Tag::SIZE).unwrap(), 5);
        assert_eq!(h.u64(Tag::LONGSIZE).unwrap(), 7);
        assert_eq!(h.u16s(Tag::FILEMODES).unwrap(), [1, 2, 0xffff]);
        assert_eq!(h.u32(Tag::EPOCH), Err(GetError::Missing));
        assert_eq!(
            h.u32s(Tag::NAME),
            Err(GetError::Type {
                got: 6,
                want: "INT32"
            })
        );
        assert!(h.strings(Tag::NAME).is_err());
    }

    #[test]
    fn signature_and_main_tags_are_different_types() {
        // SIZE in the signature is 1000, as NAME in the main header: reading the signature
        // header takes SigTags only.
        assert_eq!(SigTag::SIZE.number(), Tag::NAME.number());
        let enc = encode(
            SigTag::HEADERSIGNATURES,
            vec![
                (SigTag::SIZE, Val::I32(vec![4242])),
                (SigTag::SHA256, Val::str("00")),
            ],
        )
        .unwrap();
        let sig = decode::<SigTag>(&enc.bytes).unwrap();
        assert_eq!(sig.u32(SigTag::SIZE).unwrap(), 4242);
        assert_eq!(sig.string(SigTag::SHA256).unwrap(), b"00");
        assert_eq!(
            format!("{:?} {}", SigTag::SIZE, Tag::NAME),
            "SigTag::SIZE NAME"
        );
    }

    #[test]
    fn encoder_refuses_nul_and_wrong_types() {
        let e = encode(Tag::HEADERIMMUTABLE, vec![(Tag::NAME, Val::str("a\0b"))]).unwrap_err();
        assert_eq!(e.to_string(), "tag 1000: a string contains a NUL byte");
        let e = encode(Tag::HEADERIMMUTABLE, vec![(Tag::NAME, Val::I32(vec![1]))]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "tag 1000 (NAME): INT32 data, rpm's tag table says STRING"
        );
        let e = encode(
            SigTag::HEADERSIGNATURES,
            vec![(SigTag::SIZE, Val::I64(vec![1]))],
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "tag 1000 (SIZE): INT64 data, rpm's tag table says INT32"
        );
    }

    #[test]
    fn decoder_bounds_checks() {
        let good = encode(Tag::HEADERIMMUTABLE, every_type()[..4].to_vec())
            .unwrap()
            .bytes;
        // Sorted: region 0, NAME 1, SIZE 2, FILEMODES 3, LONGSIZE 4.
        let n = |b: &[u8], i: usize, f: usize| be32(&b[16 + 16 * i + 4 * f..]);
        assert_eq!(n(&good, 2, 0), 1009);

        // A truncated store.
        let msg = corrupt::<Tag>(&good[..good.len() - 1]);
        assert!(
            msg.contains("truncated RPM: the file ends inside the header"),
            "{msg}"
        );
        let msg = corrupt::<Tag>(&good[..10]);
        assert!(msg.contains("truncated"), "{msg}");

        // One index field changed: a misaligned INT32, a STRING whose count is not 1, data
        // outside the store, an unknown type, no data, too many items.
        for (i, field, value, want) in [
            (2, 2, n(&good, 2, 2) + 1, "(tag 1009) has misaligned data"),
            (1, 3, 2, "(tag 1000) is a string with count 2"),
            (3, 2, 0x7fff_0000, "outside the data store"),
            (3, 1, 10, "unknown data type 10"),
            (3, 3, 0, "has no data"),
            (4, 3, 0x2000_0000, "(tag 5009) runs past the end"),
        ] {
            let mut b = good.clone();
            patch(&mut b, i, field, value);
            let msg = corrupt::<Tag>(&b);
            assert!(msg.contains(want), "{msg}");
        }

        // An unterminated string: NAME's NUL overwritten, and every byte after it.
        let mut b = good.clone();
        let store = 16 + 16 * 5;
        let near_end = (b.len() - store - 2) as u32;
        patch(&mut b, 1, 2, near_end);
        let last = b.len() - 1;
        b[last - 1..].fill(b'x');
        let msg = corrupt::<Tag>(&b);
        assert!(msg.contains("(tag 1000) runs past the end"), "{msg}");

        // NAME's NUL overwritten: the string runs into SIZE's data, which has a zero byte. rpm
        // refuses the overlap ("tag[2]: BAD"), and so do we.
        let mut b = good.clone();
        let name = 16 + 16 * 5 + n(&good, 1, 2) as usize;
        assert_eq!(&b[name..name + 4], b"abc\0");
        b[name + 3] = b'x';
        let msg = corrupt::<Tag>(&b);
        assert!(
            msg.contains("(tag 1009) has data at offset 4, inside"),
            "{msg}"
        );

        // Bad magic (its first byte 0), index and store sizes: a word of the intro changed.
        for (at, value, want) in [
            (
                0,
                0x00ad_e801,
                "bad header magic 00ade801 (expected 8eade801)",
            ),
            (8, 0, "0 index entries"),
            (12, HEADER_DATA_MAX as u32 + 1, "data store of"),
        ] {
            let mut b = good.clone();
            b[at..at + 4].copy_from_slice(&u32::to_be_bytes(value));
            let msg = corrupt::<Tag>(&b);
            assert!(msg.contains(want), "{msg}");
        }
    }

    #[test]
    fn hex_is_lower_case() {
        assert_eq!(hex(&[0x8e, 0x0a, 0xff]), "8e0aff");
    }
}
