//! The tutorial's commands, step by step, with the answers its text shows: if the back-end
//! changes what it answers, the tutorial is wrong and this fails. Step 8 of the tutorial is
//! this file and `step8.rs`.

mod step8;
mod steps;
mod text;
