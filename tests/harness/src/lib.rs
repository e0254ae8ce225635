//! Starts a private pcscd with vpcd readers, virtual cards and the real host binary for tests
