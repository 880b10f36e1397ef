//! Black-box tests over HTTP: the real application on port 0 with a fresh
//! database each, on SQLite always and on PostgreSQL when
//! `BISTAND_TEST_DATABASE_URL` names a server to create databases on.

mod access;
mod agreements;
mod applicants;
mod applications;
mod audit;
mod calculation;
mod claims;
mod cli;
mod consents;
mod contract;
mod decisions;
mod demo;
mod durability;
mod errors;
mod feed;
mod hardening;
mod helpers;
mod identity;
mod indicators;
mod kolada;
mod labour_market;
mod limits;
mod logs;
mod matrix;
mod oauth;
mod ops;
mod payments;
mod portal;
mod purge;
mod referrals;
