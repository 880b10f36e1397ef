-- wrk script: durable portal submissions, each with its own Idempotency-Key.
-- Reads BISTAND_TOKEN (an eservice token) and BENCH_MONTH (YYYY-MM).

local threads = {}

function setup(thread)
    thread:set("tid", #threads + 1)
    table.insert(threads, thread)
end

function init(args)
    n = 0
    created = 0
    other = 0
    token = os.getenv("BISTAND_TOKEN")
    run = os.getenv("BENCH_RUN") or tostring(os.time())
    body = string.format([[{"applicant":{"personal_number":"19121212-1212","first_name":"Tolvan","last_name":"Tolvansson"},
"children":[{"birth_date":"2019-05-14"}],"support_month":"%s","channel":"e_service","stated_reasons":["unemployed"],
"incomes":[{"kind":"housing_allowance","applied_amount":"1200.00"}],"expenses":[{"kind":"rent","applied_amount":"6200.00"}]}]],
        os.getenv("BENCH_MONTH"))
end

function request()
    n = n + 1
    local headers = {
        ["Content-Type"] = "application/json",
        ["Authorization"] = "Bearer " .. token,
        ["Idempotency-Key"] = string.format("bench-%s-%d-%d", run, tid, n),
    }
    return wrk.format("POST", "/api/v1/0483/applications", headers, body)
end

function response(status, headers, body)
    if status == 201 then
        created = created + 1
    else
        other = other + 1
    end
end

function done(summary, latency, requests)
    local total_created, total_other = 0, 0
    for _, thread in ipairs(threads) do
        total_created = total_created + thread:get("created")
        total_other = total_other + thread:get("other")
    end
    local seconds = summary.duration / 1e6
    io.write(string.format("submissions: %d created (201), %d other answers, %.0f created/s\n",
        total_created, total_other, total_created / seconds))
    io.write(string.format("latency: p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
        latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
