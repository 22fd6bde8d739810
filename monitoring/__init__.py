"""What operators watch: /metrics for Prometheus. It sits above every app and reads their tables."""
