package jsonlog

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

// lines writes a record of t, level, msg and attrs through this package's
// Handle and HandleAttrs and through slog's own JSON handler, and returns
// the three outputs.
func lines(t testing.TB, leveler slog.Leveler, tm time.Time, level slog.Level, msg string, attrs []slog.Attr) (handle, handleAttrs, want string) {
	t.Helper()
	r := slog.NewRecord(tm, level, msg, 0)
	r.AddAttrs(attrs...)
	var g, ga, w bytes.Buffer
	if err := New(&g, leveler).Handle(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if err := New(&ga, leveler).HandleAttrs(context.Background(), tm, level, msg, attrs); err != nil {
		t.Fatal(err)
	}
	if err := slog.NewJSONHandler(&w, &slog.HandlerOptions{Level: leveler}).Handle(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	return g.String(), ga.String(), w.String()
}

var when = time.Date(2026, 12, 6, 20, 41, 57, 767619000, time.UTC)

func TestSameAsSlog(t *testing.T) {
	tests := []struct {
		name  string
		time  time.Time
		level slog.Level
		msg   string
		attrs []slog.Attr
	}{
		{"access line", when, slog.LevelInfo, "request", []slog.Attr{
			slog.String("method", "GET"), slog.String("route", "/users/{id}/todos"), slog.Int("status", 200),
			slog.Float64("duration_ms", 0.123), slog.Int64("bytes", 1397), slog.String("request_id", "d37000c6394b267a6c8763afde54f745"),
			slog.String("subject", "users/1"),
		}},
		{"no time", time.Time{}, slog.LevelWarn, "m", []slog.Attr{slog.Bool("b", true)}},
		{"another zone and nanoseconds", time.Date(2026, 1, 2, 3, 4, 5, 6, time.FixedZone("x", -5*3600)), slog.LevelError, "m", nil},
		{"odd level", when, slog.LevelInfo + 2, "m", nil},
		{"escapes", when, slog.LevelInfo, "a\"b\\c\n\r\t\x00\x1f\x7f<>&", []slog.Attr{slog.String("k\"ey\n", "\u2028\u2029é\xff\xfe日本")}},
		{"numbers", when, slog.LevelDebug, "m", []slog.Attr{
			slog.Int64("neg", -42), slog.Uint64("u", math.MaxUint64), slog.Duration("d", 1500*time.Millisecond),
			slog.Float64("zero", 0), slog.Float64("negzero", math.Copysign(0, -1)), slog.Float64("big", 1e20),
			slog.Float64("small", 1e-6), slog.Float64("third", 1.0/3), slog.Float64("ms", 12345.678),
		}},
		{"float written with an exponent", when, slog.LevelInfo, "m", []slog.Attr{slog.Float64("f", 1e21), slog.Float64("g", 1e-7)}},
		{"NaN", when, slog.LevelInfo, "m", []slog.Attr{slog.Float64("f", math.NaN())}},
		{"infinity", when, slog.LevelInfo, "m", []slog.Attr{slog.Float64("f", math.Inf(-1))}},
		{"time attribute", when, slog.LevelInfo, "m", []slog.Attr{slog.Time("t", when.Add(time.Hour))}},
		{"year out of range", time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), slog.LevelInfo, "m", nil},
		{"any", when, slog.LevelInfo, "m", []slog.Attr{slog.Any("err", errors.New("boom")), slog.Any("m", map[string]int{"a": 1})}},
		{"group", when, slog.LevelInfo, "m", []slog.Attr{slog.Group("g", slog.Int("a", 1)), slog.Group("empty")}},
		{"empty attribute", when, slog.LevelInfo, "m", []slog.Attr{{}, slog.Int("a", 1)}},
		{"empty key", when, slog.LevelInfo, "m", []slog.Attr{slog.Int("", 1)}},
		{"LogValuer", when, slog.LevelInfo, "m", []slog.Attr{slog.Any("v", valuer{})}},
		{"duplicate keys", when, slog.LevelInfo, "m", []slog.Attr{slog.Int("a", 1), slog.Int("a", 2)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, gotAttrs, want := lines(t, slog.LevelDebug, tt.time, tt.level, tt.msg, tt.attrs)
			if got != want {
				t.Errorf("Handle:\ngot  %s\nwant %s", got, want)
			}
			if gotAttrs != want {
				t.Errorf("HandleAttrs:\ngot  %s\nwant %s", gotAttrs, want)
			}
		})
	}
}

func TestLevel(t *testing.T) {
	v := new(slog.LevelVar)
	v.Set(slog.LevelWarn)
	h := New(&bytes.Buffer{}, v)
	if h.Enabled(context.Background(), slog.LevelInfo) || !h.Enabled(context.Background(), slog.LevelWarn) {
		t.Error("the level is not the LevelVar's")
	}
	v.Set(slog.LevelDebug)
	if !h.Enabled(context.Background(), slog.LevelDebug) {
		t.Error("a change of the LevelVar is not seen")
	}
	if New(&bytes.Buffer{}, nil).Enabled(context.Background(), slog.LevelDebug) {
		t.Error("a nil level is not Info")
	}
}

func TestWithAttrsAndGroupAreSlogs(t *testing.T) {
	var g, w bytes.Buffer
	slog.New(New(&g, nil)).With("a", 1).WithGroup("g").Info("m", "b", 2)
	slog.New(slog.NewJSONHandler(&w, nil)).With("a", 1).WithGroup("g").Info("m", "b", 2)
	// The times differ; everything after them must not.
	cut := func(s string) string { return s[bytes.IndexByte([]byte(s), ','):] }
	if cut(g.String()) != cut(w.String()) {
		t.Errorf("got  %s\nwant %s", g.String(), w.String())
	}
}

// FuzzSameAsSlog holds the handler to slog's JSON handler for any strings
// and numbers.
func FuzzSameAsSlog(f *testing.F) {
	f.Add("request", "GET", "/users/{id}", int64(200), 0.123, "é\x00\u2028\xff", int64(1700000000123456789))
	f.Add("", "", "", int64(-1), 1e21, "\"\\", int64(0))
	f.Add("request", "GET", "/", int64(7), 12345.678, "", int64(1)) // whole thousandths
	f.Add("request", "GET", "/", int64(7), -0.1, "", int64(1))      // negative thousandths
	f.Add("request", "GET", "/", int64(7), 999999999999.999, "", int64(1))
	f.Fuzz(func(t *testing.T, msg, k, s string, i int64, fl float64, s2 string, ns int64) {
		attrs := []slog.Attr{slog.String(k, s), slog.Int64("i", i), slog.Float64("f", fl), slog.String("s2", s2),
			slog.Uint64("u", uint64(i)), slog.Bool("b", i%2 == 0), slog.Duration("d", time.Duration(i))}
		got, gotAttrs, want := lines(t, slog.LevelDebug-8, time.Unix(0, ns).UTC(), slog.Level(i%16), msg, attrs)
		if got != want || gotAttrs != want {
			t.Fatalf("Handle      %s\nHandleAttrs %s\nslog        %s", got, gotAttrs, want)
		}
	})
}

// TestThousandths holds appendThousandths to strconv.AppendFloat ('f',
// shortest) for the values it takes, and checks it takes the durations an
// access line has (whole microseconds as milliseconds) and refuses the
// doubles that are no n/1000.
func TestThousandths(t *testing.T) {
	check := func(f float64, mustTake bool) {
		t.Helper()
		got, ok := appendThousandths(nil, f)
		if !ok {
			if mustTake {
				t.Fatalf("%v (%b): refused", f, f)
			}
			return
		}
		if want := strconv.AppendFloat(nil, f, 'f', -1, 64); string(got) != string(want) {
			t.Fatalf("%b: got %s, want %s", f, got, want)
		}
	}
	for us := int64(0); us < 200_000; us++ { // up to 200 ms
		check(float64(us)/1000, true)
		check(-float64(us)/1000, true)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200_000 {
		n := rng.Int64N(1e15)
		check(float64(n)/1000, true)
		check(math.Float64frombits(rng.Uint64()), false) // mostly refused; right when taken
		check(rng.Float64()*1e6, false)
	}
	for _, f := range []float64{math.Copysign(0, -1), 1.0 / 3, 0.1 + 0.2, 1e12, 1e12 - 0.001, math.Nextafter(0.123, 1), math.NaN(), math.Inf(1)} {
		check(f, false)
	}
	if got, ok := appendThousandths(nil, math.Copysign(0, -1)); !ok || string(got) != "-0" {
		t.Fatalf("-0: %q %v", got, ok)
	}
	if _, ok := appendThousandths(nil, math.Nextafter(0.123, 1)); ok {
		t.Fatal("the double after 0.123 taken as thousandths")
	}
}

func BenchmarkAccessLine(b *testing.B) {
	r := slog.NewRecord(when, slog.LevelInfo, "request", 0)
	r.AddAttrs(
		slog.String("method", "GET"), slog.String("route", "/users/{id}/todos"), slog.Int("status", 200),
		slog.Float64("duration_ms", 0.123), slog.Int64("bytes", 1397), slog.String("request_id", "d37000c6394b267a6c8763afde54f745"),
		slog.String("subject", "users/1"),
	)
	attrs := []slog.Attr{
		slog.String("method", "GET"), slog.String("route", "/users/{id}/todos"), slog.Int("status", 200),
		slog.Float64("duration_ms", 0.123), slog.Int64("bytes", 1397), slog.String("request_id", "d37000c6394b267a6c8763afde54f745"),
		slog.String("subject", "users/1"),
	}
	b.Run("jsonlog-HandleAttrs", func(b *testing.B) {
		h := New(discard{}, nil)
		b.ReportAllocs()
		for b.Loop() {
			_ = h.HandleAttrs(context.Background(), when, slog.LevelInfo, "request", attrs)
		}
	})
	for _, h := range []struct {
		name string
		h    slog.Handler
	}{{"jsonlog", New(discard{}, nil)}, {"slog", slog.NewJSONHandler(discard{}, nil)}} {
		b.Run(h.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = h.h.Handle(context.Background(), r)
			}
		})
	}
}

// valuer is a LogValuer, which slog resolves.
type valuer struct{}

func (valuer) LogValue() slog.Value { return slog.StringValue("resolved") }

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
