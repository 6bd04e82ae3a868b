//! From text to model inputs: word pieces, documents and sentence pairs, the masking plan,
//! padded batches, and the endless stream of training examples.

pub mod batch;
pub mod corpus;
pub mod data;
pub mod masking;
pub mod tokenize;
