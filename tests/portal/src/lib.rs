//! Replica of the Sapporo CALS/EC e-bidding portal's 利用者登録 pages, for tests and the demo
