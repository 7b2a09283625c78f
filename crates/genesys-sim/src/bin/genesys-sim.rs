//! `genesys-sim`: the simulator as a command-line server.

fn main() {}
