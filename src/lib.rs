//! bistand: the integration API for a Swedish municipality's economic
//! assistance (*ekonomiskt bistånd*) and its labour-market work.
//!
//! Data flows one way: HTTP ([`api`]) → rules ([`domain`]) → rows ([`db`]).

pub mod api;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod openapi;
pub mod purge;
pub mod startup;
pub mod telemetry;
