//! The vocabulary lessons and the screen share: the stages of the walk-through, and which
//! heads the training loss includes. Lesson files name both; the TUI shows and switches them.

use crate::model::LossWeights;

/// The walk-through, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    Pieces,
    Input,
    Embeddings,
    Masking,
    Mlm,
    Nsp,
    Sum,
    Training,
    /// Looking inside: every layer's and head's attention.
    Attention,
    /// Looking inside: where each loss's gradient goes.
    GradFlow,
    /// Looking inside: the token table as a 2-D map.
    Space,
}

impl Stage {
    pub const ALL: [Stage; 11] = [
        Stage::Pieces,
        Stage::Input,
        Stage::Embeddings,
        Stage::Masking,
        Stage::Mlm,
        Stage::Nsp,
        Stage::Sum,
        Stage::Training,
        Stage::Attention,
        Stage::GradFlow,
        Stage::Space,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Stage::Pieces => "Text to pieces",
            Stage::Input => "The input",
            Stage::Embeddings => "Embedding rows",
            Stage::Masking => "Mask selection",
            Stage::Mlm => "MLM head",
            Stage::Nsp => "NSP head",
            Stage::Sum => "The sum",
            Stage::Training => "Training",
            Stage::Attention => "Attention",
            Stage::GradFlow => "Gradient flow",
            Stage::Space => "Embedding space",
        }
    }

    /// A one-word title, for the tab bar when the full titles do not fit.
    pub fn short(self) -> &'static str {
        match self {
            Stage::Pieces => "Pieces",
            Stage::Input => "Input",
            Stage::Embeddings => "Embed",
            Stage::Masking => "Mask",
            Stage::Mlm => "MLM",
            Stage::Nsp => "NSP",
            Stage::Sum => "Sum",
            Stage::Training => "Train",
            Stage::Attention => "Attn",
            Stage::GradFlow => "Grads",
            Stage::Space => "Space",
        }
    }

    /// The name lesson files use.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Pieces => "pieces",
            Stage::Input => "input",
            Stage::Embeddings => "embeddings",
            Stage::Masking => "masking",
            Stage::Mlm => "mlm",
            Stage::Nsp => "nsp",
            Stage::Sum => "sum",
            Stage::Training => "training",
            Stage::Attention => "attention",
            Stage::GradFlow => "gradients",
            Stage::Space => "space",
        }
    }

    pub fn from_name(name: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|s| s.name() == name)
    }

    pub fn index(self) -> usize {
        Stage::ALL.iter().position(|&s| s == self).unwrap_or(0)
    }
}

/// Which heads the loss includes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Heads {
    #[default]
    Both,
    MlmOnly,
    NspOnly,
}

impl Heads {
    pub fn next(self) -> Self {
        match self {
            Heads::Both => Heads::MlmOnly,
            Heads::MlmOnly => Heads::NspOnly,
            Heads::NspOnly => Heads::Both,
        }
    }

    pub fn weights(self) -> LossWeights {
        match self {
            Heads::Both => LossWeights { mlm: 1.0, nsp: 1.0 },
            Heads::MlmOnly => LossWeights { mlm: 1.0, nsp: 0.0 },
            Heads::NspOnly => LossWeights { mlm: 0.0, nsp: 1.0 },
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Heads::Both => "MLM + NSP",
            Heads::MlmOnly => "MLM only",
            Heads::NspOnly => "NSP only",
        }
    }
}
