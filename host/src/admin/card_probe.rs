//! The card side of `doctor`, behind a trait so the checks can be tested without PC/SC.

use ebid_protocol::{CertificateInfo, ErrorInfo, ReaderInfo};

use crate::service::CardService;

pub trait CardProbe {
    fn list_readers(&mut self) -> Result<Vec<ReaderInfo>, ErrorInfo>;
    fn read_certificate(&mut self, reader: &str) -> Result<CertificateInfo, ErrorInfo>;
}

/// The host's own card service: doctor sees exactly what the browser session would.
pub struct ServiceProbe(CardService);

impl ServiceProbe {
    pub fn new() -> Self {
        ServiceProbe(CardService::new())
    }

    /// The card service with these PKCS#11 settings (doctor's `--pkcs11-module` added to the configured ones).
    pub fn with_pkcs11(pkcs11: crate::pkcs11::Pkcs11Config) -> Self {
        ServiceProbe(CardService::with_config(
            crate::drivers::load_profiles(),
            pkcs11,
        ))
    }
}

impl Default for ServiceProbe {
    fn default() -> Self {
        Self::new()
    }
}

impl CardProbe for ServiceProbe {
    fn list_readers(&mut self) -> Result<Vec<ReaderInfo>, ErrorInfo> {
        self.0.list_readers()
    }

    fn read_certificate(&mut self, reader: &str) -> Result<CertificateInfo, ErrorInfo> {
        self.0.read_certificate(reader)
    }
}
