//! Why instrumenting a file failed: its own module, so the instrumenter and
//! the source-map composer both use it without importing each other.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The code does not parse.
    Parse,
    /// The input source map is unusable.
    SourceMap,
    /// The instrumented code would not keep every token of the input
    /// (found by `check_tokens`): a bug of ours, never of the input.
    TokenChanged,
}

impl ErrorKind {
    /// The name the JS side receives.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Parse => "parse",
            ErrorKind::SourceMap => "sourceMap",
            ErrorKind::TokenChanged => "tokenChanged",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstrumentError {
    pub kind: ErrorKind,
    pub filename: String,
    pub message: String,
    /// 1-based line and 0-based column of the first error, when known.
    pub line: u32,
    pub column: u32,
}

impl std::fmt::Display for InstrumentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}: {}", self.filename, self.line, self.column, self.message)
    }
}

impl std::error::Error for InstrumentError {}
