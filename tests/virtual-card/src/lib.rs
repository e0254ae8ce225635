//! A virtual JPKI / e-bidding CA card that speaks the vpcd protocol, and the test CA that issues its certificates
