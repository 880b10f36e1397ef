-- wrk script: /health/ready beside the submissions, same report shape.
function done(summary, latency, requests)
    io.write(string.format("ready: %d answers, %.0f/s, %d errors\n", summary.requests,
        summary.requests / (summary.duration / 1e6),
        summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
    io.write(string.format("latency: p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
        latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
