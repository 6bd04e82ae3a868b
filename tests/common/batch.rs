//! The padded batch the model tests share.

use bert_tutor::text::batch::Batch;

/// Two sequences of 6: the first full, the second with 2 padding tokens (id 0) at the end;
/// 3 masked rows (one in the second sequence), NSP labels IsNext and NotNext. Every id
/// and label is under 22, so the tests' small vocabularies (23 and 30 pieces) hold them.
pub fn padded_batch() -> Batch {
    let real = |n| std::iter::repeat_n(true, n);
    Batch {
        batch: 2,
        seq: 6,
        ids: vec![2, 5, 9, 3, 17, 3, 2, 11, 3, 20, 0, 0],
        segments: vec![0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 0, 0],
        attention: real(10).chain([false, false]).collect(),
        mlm_rows: vec![1, 4, 7],
        mlm_labels: vec![13, 6, 21],
        nsp_labels: vec![0, 1],
    }
}
