package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Setters turn a Config field into a setting's set function, so the config
// file, the environment and the flags parse every key the same way: the value
// is trimmed, and what does not parse is an error, never a silent default.

// setter parses v with parse and stores it in the field f points to; what
// names the expected kind of value in the error.
func setter[T any](f func(*Config) *T, parse func(string) (T, error), what string) func(*Config, string) error {
	return func(c *Config, v string) error {
		x, err := parse(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("not %s: %q", what, v)
		}
		*f(c) = x
		return nil
	}
}

func setString(f func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error { *f(c) = v; return nil }
}

func setInt(f func(*Config) *int) func(*Config, string) error {
	return setter(f, strconv.Atoi, "an integer")
}

func setInt64(f func(*Config) *int64) func(*Config, string) error {
	return setter(f, func(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) }, "an integer")
}

func setFloat(f func(*Config) *float64) func(*Config, string) error {
	return setter(f, func(s string) (float64, error) { return strconv.ParseFloat(s, 64) }, "a number")
}

// setBool uses strconv.ParseBool: "false", "0", "f" are false; anything it
// does not know is an error.
func setBool(f func(*Config) *bool) func(*Config, string) error {
	return setter(f, strconv.ParseBool, "a boolean (use true or false)")
}

func setDuration(f func(*Config) *Duration) func(*Config, string) error {
	return setter(f, func(s string) (Duration, error) {
		d, err := time.ParseDuration(s)
		return Duration(d), err
	}, "a duration (e.g. 30s, 1h)")
}

// setList splits a comma-separated value, dropping empty items.
func setList(f func(*Config) *[]string) func(*Config, string) error {
	return func(c *Config, v string) error {
		var list []string
		for item := range strings.SplitSeq(v, ",") {
			if item = strings.TrimSpace(item); item != "" {
				list = append(list, item)
			}
		}
		*f(c) = list
		return nil
	}
}
