package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
)

// Metrics maps a benchmark's name (without the -GOMAXPROCS suffix) to its
// metrics by unit: "ns/op", "B/op", "allocs/op" and any custom unit such as
// "MiB/instance".
type Metrics map[string]map[string]float64

var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+(.+)$`)

// ParseGoBench reads `go test -bench` output. A benchmark run several times
// (-count) keeps its fastest run.
func ParseGoBench(out []byte) Metrics {
	m := Metrics{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		sub := benchLine.FindStringSubmatch(sc.Text())
		if sub == nil {
			continue
		}
		fields := strings.Fields(sub[2])
		vals := map[string]float64{}
		for i := 0; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				break
			}
			vals[fields[i+1]] = v
		}
		// With -count > 1 a benchmark appears once per run: keep the
		// fastest, the run least disturbed by other load on the machine.
		if prev, ok := m[sub[1]]; ok && prev["ns/op"] <= vals["ns/op"] {
			continue
		}
		m[sub[1]] = vals
	}
	return m
}

// Merge adds o's benchmarks to m, keeping the faster run of a benchmark
// both hold (the one least disturbed by other load, as ParseGoBench does).
func (m Metrics) Merge(o Metrics) {
	for name, vals := range o {
		if prev, ok := m[name]; ok && prev["ns/op"] <= vals["ns/op"] {
			continue
		}
		m[name] = vals
	}
}

// GoBench runs `go test -run ^$ -bench pattern -benchtime benchtime -count
// count pkg` in dir and returns the parsed metrics (each benchmark's
// fastest run); the raw output is copied to log.
//
// env, when not empty, is added to this process's environment for the run.
func GoBench(ctx context.Context, dir, pkg, pattern, benchtime string, count int, log *os.File, env ...string) (Metrics, error) {
	cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-bench", pattern, "-benchtime", benchtime, "-benchmem",
		"-count", strconv.Itoa(count), "-timeout", "30m", pkg)
	cmd.Dir = dir
	if len(env) > 0 {
		cmd.Env = append(os.Environ(), env...)
	}
	out, err := cmd.CombinedOutput()
	if log != nil {
		fmt.Fprintf(log, "$ go test -bench %q -benchtime %s %s\n%s\n", pattern, benchtime, pkg, out)
	}
	if err != nil {
		return nil, fmt.Errorf("bench: go test %s: %w\n%s", pkg, err, tail(out, 3000))
	}
	return ParseGoBench(out), nil
}
