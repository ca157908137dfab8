//! `viewcheck-ndarray`: viewcheck's implementation protocol v1 on standard
//! input and output, answered by the ndarray backend.
#![forbid(unsafe_code)]

use std::io::{BufReader, BufWriter};
use std::process::ExitCode;

use viewcheck_ndarray::{capabilities, implementation, NdarrayBackend};

fn main() -> ExitCode {
    // ndarray reports misuse by panicking; those panics become step errors,
    // and without this each one would also print a message on stderr.
    viewcheck::compare::silence_backend_panics();
    let stdin = std::io::stdin();
    let mut input = BufReader::new(stdin.lock());
    let mut output = BufWriter::new(std::io::stdout().lock());
    match viewcheck::protocol::serve(
        &NdarrayBackend,
        &implementation(),
        &capabilities(),
        &mut input,
        &mut output,
    ) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("viewcheck-ndarray: {e}");
            ExitCode::FAILURE
        }
    }
}
