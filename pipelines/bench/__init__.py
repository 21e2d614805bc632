"""Benchmarks that write reports: pool benchmarks, batch throughput and the HTTP load test."""
