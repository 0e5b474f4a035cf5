//! The tag tables: [`Tag`] (main header, `RPMTAG_*`) and [`SigTag`] (signature header,
//! `RPMSIGTAG_*`), each tag with its number and its data type as rpm's tag table gives them
//! (lib/rpmtag.h, lib/tagtbl.c). The two headers number their tags in one `u32` space (SIZE in
//! the signature is 1000, NAME in the main header too), so they are two types: a signature tag
//! cannot be put in a main header.
//!
//! To add a tag, add a line to [`Tag`]'s or [`SigTag`]'s table below: name, number, type.

use std::fmt;
use std::hash::Hash;

/// Header data types (RPM_*_TYPE, lib/rpmtag.h).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    Null = 0,
    Char = 1,
    Int8 = 2,
    Int16 = 3,
    Int32 = 4,
    Int64 = 5,
    String = 6,
    Bin = 7,
    StringArray = 8,
    I18nString = 9,
}

impl Type {
    pub fn from_u32(n: u32) -> Option<Type> {
        Some(match n {
            0 => Type::Null,
            1 => Type::Char,
            2 => Type::Int8,
            3 => Type::Int16,
            4 => Type::Int32,
            5 => Type::Int64,
            6 => Type::String,
            7 => Type::Bin,
            8 => Type::StringArray,
            9 => Type::I18nString,
            _ => return None,
        })
    }

    /// rpm's name for the type (`INT32`, `STRING_ARRAY`, …).
    pub fn name(self) -> &'static str {
        match self {
            Type::Null => "NULL",
            Type::Char => "CHAR",
            Type::Int8 => "INT8",
            Type::Int16 => "INT16",
            Type::Int32 => "INT32",
            Type::Int64 => "INT64",
            Type::String => "STRING",
            Type::Bin => "BIN",
            Type::StringArray => "STRING_ARRAY",
            Type::I18nString => "I18NSTRING",
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What the codec needs of a tag type: its number and its table.
pub trait TagKind: Copy + Eq + Ord + Hash + fmt::Debug + fmt::Display + 'static {
    /// Every tag of the table: tag, name, type.
    const TABLE: &'static [(Self, &'static str, Type)];

    fn number(self) -> u32;

    /// The tag's name in the table (`NAME`, `SHA256`), if it is there.
    fn name(self) -> Option<&'static str> {
        Self::TABLE
            .iter()
            .find(|(t, _, _)| *t == self)
            .map(|(_, n, _)| *n)
    }

    /// The tag's data type in the table, if it is there.
    fn data_type(self) -> Option<Type> {
        Self::TABLE
            .iter()
            .find(|(t, _, _)| *t == self)
            .map(|(_, _, ty)| *ty)
    }

    /// A scriptlet interpreter tag (`PREINPROG`, …): rpmbuild writes it as a STRING when the
    /// interpreter has no arguments.
    fn is_prog(self) -> bool {
        self.name().is_some_and(|n| n.ends_with("PROG"))
    }
}

macro_rules! tag_table {
    (
        $(#[$meta:meta])*
        $ty:ident {
            $($(#[$doc:meta])* $name:ident = $num:literal, $data:ident;)*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $ty(u32);

        #[allow(missing_docs)]
        impl $ty {
            $($(#[$doc])* pub const $name: $ty = $ty($num);)*
        }

        impl TagKind for $ty {
            const TABLE: &'static [($ty, &'static str, Type)] =
                &[$(($ty($num), stringify!($name), Type::$data)),*];
            fn number(self) -> u32 {
                self.0
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.name() {
                    Some(n) => write!(f, "{}::{n}", stringify!($ty)),
                    None => write!(f, "{}({})", stringify!($ty), self.0),
                }
            }
        }

        /// The tag's name, or its number when the table does not have it.
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.name() {
                    Some(n) => f.write_str(n),
                    None => write!(f, "{}", self.0),
                }
            }
        }
    };
}

tag_table! {
    /// A main header tag (RPMTAG_*). Types must match rpm's tag table: rpm 4.18 rejects a main
    /// header whose known tags carry another type (hdrblobVerifyInfo()), and the encoder
    /// checks every entry against this table.
    Tag {
        /// The main header's region tag.
        HEADERIMMUTABLE = 63, Bin;
        HEADERI18NTABLE = 100, StringArray;

        NAME = 1000, String;
        VERSION = 1001, String;
        RELEASE = 1002, String;
        EPOCH = 1003, Int32;
        SUMMARY = 1004, I18nString;
        DESCRIPTION = 1005, I18nString;
        BUILDTIME = 1006, Int32;
        BUILDHOST = 1007, String;
        SIZE = 1009, Int32;
        LICENSE = 1014, String;
        GROUP = 1016, I18nString;
        URL = 1020, String;
        OS = 1021, String;
        ARCH = 1022, String;
        PREIN = 1023, String;
        POSTIN = 1024, String;
        PREUN = 1025, String;
        POSTUN = 1026, String;
        FILESIZES = 1028, Int32;
        FILEMODES = 1030, Int16;
        FILERDEVS = 1033, Int16;
        FILEMTIMES = 1034, Int32;
        FILEDIGESTS = 1035, StringArray;
        FILELINKTOS = 1036, StringArray;
        FILEFLAGS = 1037, Int32;
        FILEUSERNAME = 1039, StringArray;
        FILEGROUPNAME = 1040, StringArray;
        SOURCERPM = 1044, String;
        FILEVERIFYFLAGS = 1045, Int32;
        PROVIDENAME = 1047, StringArray;
        REQUIREFLAGS = 1048, Int32;
        REQUIRENAME = 1049, StringArray;
        REQUIREVERSION = 1050, StringArray;
        CONFLICTFLAGS = 1053, Int32;
        CONFLICTNAME = 1054, StringArray;
        CONFLICTVERSION = 1055, StringArray;
        RPMVERSION = 1064, String;
        /// Scriptlet interpreters are arrays: the program and its arguments.
        PREINPROG = 1085, StringArray;
        POSTINPROG = 1086, StringArray;
        PREUNPROG = 1087, StringArray;
        POSTUNPROG = 1088, StringArray;
        OBSOLETENAME = 1090, StringArray;
        FILEDEVICES = 1095, Int32;
        FILEINODES = 1096, Int32;
        FILELANGS = 1097, StringArray;
        /// Present only in source packages (`headerIsSource()` looks at SOURCERPM instead).
        SOURCEPACKAGE = 1106, Int32;
        PROVIDEFLAGS = 1112, Int32;
        PROVIDEVERSION = 1113, StringArray;
        OBSOLETEFLAGS = 1114, Int32;
        OBSOLETEVERSION = 1115, StringArray;
        DIRINDEXES = 1116, Int32;
        BASENAMES = 1117, StringArray;
        DIRNAMES = 1118, StringArray;
        PAYLOADFORMAT = 1124, String;
        PAYLOADCOMPRESSOR = 1125, String;
        PAYLOADFLAGS = 1126, String;
        PLATFORM = 1132, String;
        /// Per file: 1 for an executable ELF32 file, 2 for ELF64, else 0 (multilib: where
        /// two packages of one name own a path, rpm keeps the file of the preferred color).
        FILECOLORS = 1140, Int32;
        PRETRANS = 1151, String;
        POSTTRANS = 1152, String;
        PRETRANSPROG = 1153, StringArray;
        POSTTRANSPROG = 1154, StringArray;
        LONGFILESIZES = 5008, Int64;
        LONGSIZE = 5009, Int64;
        FILECAPS = 5010, StringArray;
        FILEDIGESTALGO = 5011, Int32;
        RECOMMENDNAME = 5046, StringArray;
        RECOMMENDVERSION = 5047, StringArray;
        RECOMMENDFLAGS = 5048, Int32;
        ENCODING = 5062, String;
        /// SHA-256 (PAYLOADDIGESTALGO) of the compressed payload.
        PAYLOADDIGEST = 5092, StringArray;
        PAYLOADDIGESTALGO = 5093, Int32;
        /// The same digest of the uncompressed archive.
        PAYLOADDIGESTALT = 5097, StringArray;
        /// v6: the compressed payload's size, and the uncompressed archive's.
        PAYLOADSIZE = 5112, Int64;
        PAYLOADSIZEALT = 5113, Int64;
        /// The package format (6; absent in v4 packages).
        RPMFORMAT = 5114, Int32;
        /// v6: the source package's `NAME-[EPOCH:]VERSION-RELEASE`.
        SOURCENEVR = 5120, String;
        /// v6: SHA-512 and SHA3-256 of the compressed payload, and of the archive (ALT).
        PAYLOADSHA512 = 5121, String;
        PAYLOADSHA512ALT = 5122, String;
        PAYLOADSHA3_256 = 5123, String;
        PAYLOADSHA3_256ALT = 5124, String;
    }
}

tag_table! {
    /// A signature header tag (RPMSIGTAG_*; lib/rpmtag.h `rpmSigTag`). Tags below 1000 share
    /// their number with the main header tag they stand for (SHA256 = RPMTAG_SHA256HEADER).
    SigTag {
        /// The signature header's region tag.
        HEADERSIGNATURES = 62, Bin;
        DSAHEADER = 267, Bin;
        RSAHEADER = 268, Bin;
        SHA1 = 269, String;
        LONGSIZE = 270, Int64;
        LONGARCHIVESIZE = 271, Int64;
        SHA256 = 273, String;
        /// rpm 6 OpenPGP signatures, base64, one per string.
        OPENPGP = 278, StringArray;
        /// v6: SHA3-256 of the main header.
        SHA3_256 = 279, String;
        /// v6: the space reserved for signatures (RESERVEDSPACE in v4), always the last tag.
        RESERVED = 999, Bin;
        /// Header and payload size.
        SIZE = 1000, Int32;
        PGP = 1002, Bin;
        MD5 = 1004, Bin;
        GPG = 1005, Bin;
        /// Uncompressed archive size.
        PAYLOADSIZE = 1007, Int32;
        RESERVEDSPACE = 1008, Bin;
    }
}
