//! Shared helpers of the exchange tests.

pub mod docx;
