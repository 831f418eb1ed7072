package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// errUsage marks a command-line mistake (exit status 2).
var errUsage = errors.New("usage")

const helpText = `origin: a todo API whose auth step is a portable WebAssembly module,
and the control plane that edge hosts get its config from.

Usage:
  origin [serve] [flags]            serve the API (the default command)
  origin keys list [flags]          list signing keys, newest first
  origin keys rotate [-alg ALG]     make a new key active (EdDSA, ES256 or HS256);
                                    the old one keeps verifying until its tokens expire
  origin keys retire KID            stop a key verifying at once (not the active one)
                                    and destroy its private part
  origin keys seal                  encrypt every key still stored in plain under
                                    ORIGIN_MASTER_KEY (serve does it at start too)
  origin config print [flags]       print the effective config (secrets redacted)
  origin check-token [-method M] [-path P] TOKEN|-
                                    print the decision the auth step would make for
                                    TOKEN (- reads it from stdin) on METHOD PATH
                                    (default GET /users/<id of its sub>), the status
                                    the server would answer (its 404 and 405 too),
                                    and why; exit status 1 when refused
  origin version                    print the version, VCS revision, Go version and
                                    the embedded auth module's SHA-256
  origin help                       this text

A running origin picks up key changes made by another process within
auth.pollInterval, without a restart. On SIGHUP, or when the module file or
the config file changes (checked every reload.watchInterval), it reloads:
a new module is compiled and swapped in while requests are in flight (one
that fails to load leaves the old one serving); log.level and the auth.*
module and pool keys apply at once, other changes are logged as needing a
restart. With metrics.addr set, GET /metrics on that address serves
Prometheus metrics.

Configuration, lowest precedence first: built-in defaults, a JSON file
(-config or ORIGIN_CONFIG), environment variables, flags. Booleans are
true or false; anything else is an error. Flags may come before or after
a command's arguments; after -- nothing is a flag.
ORIGIN_MASTER_KEY (base64 of 32 bytes) encrypts signing keys at rest;
without it they are stored in plain and serve and keys rotate say so.
With no auth.module the module embedded in the binary is the auth step;
auth.issuer unset means http://<server.host>:<the port listened on>.

Flags (every command):
`

// run is the whole program: main only wires the process to it (arguments,
// environment, standard streams), so tests call it directly.
func run(ctx context.Context, args []string, lookupEnv func(string) (string, bool), stdin io.Reader, stdout, stderr io.Writer) error {
	cmd, rest := "serve", args
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, rest = args[0], args[1:]
	}
	err := dispatch(ctx, cmd, rest, lookupEnv, stdin, stdout, stderr)
	if errors.Is(err, errHelp) {
		printHelp(stdout)
		return nil
	}
	return err
}

// isHelpFlag reports whether arg asks for help as the flag package reads it.
func isHelpFlag(arg string) bool {
	switch arg {
	case "-h", "-help", "--h", "--help":
		return true
	}
	return false
}

// errHelp: a command was given -h (or -help): the help is printed on
// stdout and the exit status is 0.
var errHelp = errors.New("help requested")

// dispatch runs command cmd with its arguments.
func dispatch(ctx context.Context, cmd string, rest []string, lookupEnv func(string) (string, bool),
	stdin io.Reader, stdout, stderr io.Writer) error {
	switch cmd {
	case "serve":
		return runServe(ctx, rest, lookupEnv, stderr)
	case "keys":
		if len(rest) > 0 && isHelpFlag(rest[0]) {
			return errHelp
		}
		if len(rest) == 0 || strings.HasPrefix(rest[0], "-") {
			return fmt.Errorf("%w: keys needs list, rotate, retire or seal", errUsage)
		}
		return runKeys(ctx, rest[0], rest[1:], lookupEnv, stdout, stderr)
	case "config":
		if len(rest) > 0 && isHelpFlag(rest[0]) {
			return errHelp
		}
		if len(rest) == 0 || rest[0] != "print" {
			return fmt.Errorf("%w: config needs print", errUsage)
		}
		return runConfigPrint(rest[1:], lookupEnv, stdout, stderr)
	case "check-token":
		return runCheckToken(ctx, rest, lookupEnv, stdin, stdout, stderr)
	case "version":
		return runVersion(rest, stdout)
	case "help":
		return errHelp
	}
	return fmt.Errorf("%w: unknown command %q (see origin help)", errUsage, cmd)
}

func printHelp(w io.Writer) {
	fs := flag.NewFlagSet("origin", flag.ContinueOnError)
	addConfigFlags(fs)
	fs.SetOutput(w)
	fmt.Fprint(w, helpText)
	fs.PrintDefaults()
}

// parseFlags parses a command's flags (the config flags plus extra ones
// registered by define) and loads the config. Flags may come before or
// after the command's arguments (check-token TOKEN -method POST); after
// "--" everything is an argument. -h and -help are errHelp.
func parseFlags(name string, args []string, lookupEnv func(string) (string, bool), stderr io.Writer,
	define func(fs *flag.FlagSet)) (Config, []string, error) {
	fs := flag.NewFlagSet("origin "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {} // the whole help is printed instead (errHelp)
	cf := addConfigFlags(fs)
	if define != nil {
		define(fs)
	}
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return Config{}, nil, errHelp
			}
			return Config{}, nil, fmt.Errorf("%w: %v", errUsage, err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		// Parse stops at the first argument, or just after "--".
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			positional = append(positional, rest...)
			break
		}
		positional, args = append(positional, rest[0]), rest[1:]
	}
	c, err := loadConfig(cf, lookupEnv)
	return c, positional, err
}

// newLogger writes JSON lines to w at the configured level.
func newLogger(c Config, w io.Writer) *slog.Logger {
	level, _ := c.logLevel() // validated by loadConfig
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}

// runConfigPrint prints the effective config as JSON. The master key is
// the only secret and appears only as whether it is set.
func runConfigPrint(args []string, lookupEnv func(string) (string, bool), stdout, stderr io.Writer) error {
	c, rest, err := parseFlags("config print", args, lookupEnv, stderr, nil)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("%w: unexpected arguments %q", errUsage, rest)
	}
	master := "not set: signing keys are stored unencrypted"
	if v, ok := lookupEnv(envMasterKey); ok && v != "" {
		master = "set (redacted)"
	}
	// Derived says where the values that have a derived default came from.
	derived := map[string]string{"auth.issuer": c.issuerSource()}
	c.Auth.Issuer = c.issuerFor(c.Server.Port)
	if c.Auth.Module == "" {
		derived["auth.module"] = "the module embedded in this binary: " + currentBuild().Auth
	}
	out := struct {
		Config
		Derived map[string]string `json:"derived"`
		Secrets map[string]string `json:"secrets"`
	}{c, derived, map[string]string{envMasterKey: master}}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
