//! Dependencies: Provides/Requires/... of each package, from the manifest and from ELF facts
//! (the way rpm's elfdeps computes them), sibling resolution, and the dependency graph.

use serde::Serialize;

/// Comparison flags of a dependency (rpm's RPMSENSE_LESS/GREATER/EQUAL bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Op {
    Any,
    Lt,
    Le,
    Eq,
    Ge,
    Gt,
}

impl Op {
    pub fn rpmsense(self) -> u32 {
        match self {
            Op::Any => 0,
            Op::Lt => 0x02,
            Op::Gt => 0x04,
            Op::Eq => 0x08,
            Op::Le => 0x02 | 0x08,
            Op::Ge => 0x04 | 0x08,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Any => "",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Eq => "=",
            Op::Ge => ">=",
            Op::Gt => ">",
        }
    }
}

/// One dependency: `name [op evr]`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Dep {
    pub name: String,
    pub op: Op,
    pub evr: String,
}

impl std::fmt::Display for Dep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.op == Op::Any {
            write!(f, "{}", self.name)
        } else {
            write!(f, "{} {} {}", self.name, self.op.as_str(), self.evr)
        }
    }
}

/// The dependency lists of one package.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Deps {
    pub requires: Vec<Dep>,
    pub recommends: Vec<Dep>,
    pub provides: Vec<Dep>,
    pub obsoletes: Vec<Dep>,
    pub conflicts: Vec<Dep>,
}
