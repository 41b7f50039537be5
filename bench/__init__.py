"""stakenet benchmarks: each module bench_<name>.py has run(quick) and compares against a baseline in the same run."""
