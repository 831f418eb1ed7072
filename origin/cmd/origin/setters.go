package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Setters bind a setting to its Config field, so the config file, the
// environment and the flags parse every key the same way (the value is
// trimmed, and what does not parse is an error, never a silent default),
// and a reload can tell which keys changed and copy them, key by key,
// without reflection.

// setter is a setting's hold on its Config field.
type setter struct {
	// apply parses v and stores it in c's field.
	apply func(c *Config, v string) error
	// same reports whether a and b hold the same value in the field.
	same func(a, b *Config) bool
	// copy sets dst's field to src's.
	copy func(dst, src *Config)
}

// bind is the setter of the field f points to; parse reads a value and what
// names the expected kind of value in the error.
func bind[T comparable](f func(*Config) *T, parse func(string) (T, error), what string) setter {
	return setter{
		apply: func(c *Config, v string) error {
			x, err := parse(strings.TrimSpace(v))
			if err != nil {
				return fmt.Errorf("not %s: %q", what, v)
			}
			*f(c) = x
			return nil
		},
		same: func(a, b *Config) bool { return *f(a) == *f(b) },
		copy: func(dst, src *Config) { *f(dst) = *f(src) },
	}
}

// checked returns s with check run on a value before it is applied.
func (s setter) checked(check func(v string) error) setter {
	apply := s.apply
	s.apply = func(c *Config, v string) error {
		if err := check(v); err != nil {
			return err
		}
		return apply(c, v)
	}
	return s
}

// setString keeps the value as it is (not trimmed).
func setString(f func(*Config) *string) setter {
	s := bind(f, func(v string) (string, error) { return v, nil }, "a string")
	s.apply = func(c *Config, v string) error { *f(c) = v; return nil }
	return s
}

func setInt(f func(*Config) *int) setter {
	return bind(f, strconv.Atoi, "an integer")
}

func setInt64(f func(*Config) *int64) setter {
	return bind(f, func(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) }, "an integer")
}

func setFloat(f func(*Config) *float64) setter {
	return bind(f, func(s string) (float64, error) { return strconv.ParseFloat(s, 64) }, "a number")
}

// setBool uses strconv.ParseBool: "false", "0", "f" are false; anything it
// does not know is an error.
func setBool(f func(*Config) *bool) setter {
	return bind(f, strconv.ParseBool, "a boolean (use true or false)")
}

func setDuration(f func(*Config) *Duration) setter {
	return bind(f, func(s string) (Duration, error) {
		d, err := time.ParseDuration(s)
		return Duration(d), err
	}, "a duration (e.g. 30s, 1h)")
}

// setList splits a comma-separated value, dropping empty items.
func setList(f func(*Config) *[]string) setter {
	return setter{
		apply: func(c *Config, v string) error {
			var list []string
			for item := range strings.SplitSeq(v, ",") {
				if item = strings.TrimSpace(item); item != "" {
					list = append(list, item)
				}
			}
			*f(c) = list
			return nil
		},
		same: func(a, b *Config) bool { return slices.Equal(*f(a), *f(b)) },
		copy: func(dst, src *Config) { *f(dst) = slices.Clone(*f(src)) },
	}
}
