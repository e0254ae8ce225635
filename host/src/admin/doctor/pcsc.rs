//! The PC/SC part: `pcsc.service` (the smart card service answers) and `pcsc.readers` (there is a reader).

use ebid_protocol::{ErrorCode, ReaderInfo};

use crate::admin::card_probe::CardProbe;
use crate::admin::layout::Os;

use super::check::{presence, Check};
use super::text::Text;

/// Pushes the two checks onto `checks`; the readers when both passed, `None` when the chain stops here.
pub fn pcsc_checks(
    probe: &mut dyn CardProbe,
    os: Os,
    checks: &mut Vec<Check>,
) -> Option<Vec<ReaderInfo>> {
    let readers = match probe.list_readers() {
        // No reader is reported as an error by some PC/SC stacks; it is the next check's failure.
        Err(e) if e.code == ErrorCode::NoReader => Vec::new(),
        Err(e) => {
            checks.push(Check::fail(
                "pcsc.service",
                Text::CardError(e),
                Text::StartPcsc(os),
            ));
            return None;
        }
        Ok(readers) => readers,
    };
    checks.push(Check::pass("pcsc.service", Text::PcscReachable));
    let names: Vec<String> = readers.iter().map(|r| r.name.clone()).collect();
    let check = presence(
        "pcsc.readers",
        &names,
        ErrorCode::NoReader,
        Text::ConnectReader,
        Text::Readers,
    );
    let found = check.ok;
    checks.push(check);
    found.then_some(readers)
}
