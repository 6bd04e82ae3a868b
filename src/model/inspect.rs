//! The model seen from inside, for stages 9–11 and `eval --attentions / --grads --head`:
//! every layer's attention probabilities, each loss's gradients kept apart, and a 2-D map
//! of the token table. All of it is computed from the weights in use; nothing here trains.

pub mod attention;
pub mod grad_flow;
pub mod space;
