# shellcheck shell=bash
# Reading wrk's output, for the benchmark scripts that source this file.

# wrk's time on stdin ("850.12us", "3.21ms", "1.02s") in ms, with $1 decimals (default 2)
to_ms() {
    awk -v decimals="${1:-2}" '{ v = $1; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v) }
        else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 } printf "%." decimals "f", v }'
}

# the failed requests in wrk's output on stdin: answers other than 2xx/3xx and socket errors (connect, read, write, timeout)
wrk_errors() {
    awk '/Non-2xx/ { n += $NF } /Socket errors/ { gsub(/,/, ""); n += $4 + $6 + $8 + $10 } END { print n + 0 }'
}
