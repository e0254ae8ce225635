//! Integration tests of the real ebid-host binary against real pcscd and virtual cards
