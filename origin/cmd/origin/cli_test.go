package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHelpFlags: -h anywhere prints the whole help on stdout and succeeds,
// never the flag package's "Usage of origin serve" on stderr.
func TestHelpFlags(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"-help"}, {"--help"}, {"help"}, {"serve", "-h"}, {"keys", "-h"},
		{"keys", "rotate", "-h"}, {"config", "-h"}, {"config", "print", "-help"}, {"check-token", "-h"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(context.Background(), args, envOf(baseEnv(t)), strings.NewReader(""), &out, &errOut)
			if err != nil || !strings.HasPrefix(out.String(), "origin: a todo API") || !strings.Contains(out.String(), "-enable-security") ||
				errOut.Len() != 0 {
				t.Errorf("err %v, stdout %.60q..., stderr %q", err, out.String(), errOut.String())
			}
		})
	}
}

// TestFlagsAfterArguments: flags may follow a command's arguments; after
// "--" nothing is a flag.
func TestFlagsAfterArguments(t *testing.T) {
	var got []string
	parse := func(args ...string) (Config, []string, error) {
		return parseFlags("x", args, envOf(baseEnv(t)), &bytes.Buffer{}, nil)
	}
	c, rest, err := parse("TOKEN", "-port", "4100", "-log-level", "warn")
	if err != nil || c.Server.Port != 4100 || c.Log.Level != "warn" || strings.Join(rest, " ") != "TOKEN" {
		t.Errorf("flags after an argument: port %d, level %q, rest %q, %v", c.Server.Port, c.Log.Level, rest, err)
	}
	_, rest, err = parse("-port", "4100", "A", "--", "-port", "B")
	got = rest
	if err != nil || strings.Join(got, " ") != "A -port B" {
		t.Errorf("after --: rest %q, %v", got, err)
	}
	if _, rest, err = parse("-", "-port", "1"); err != nil || strings.Join(rest, " ") != "-" {
		t.Errorf("- (stdin) is an argument: rest %q, %v", rest, err)
	}
}

// TestMasterKeyWarning: the warning that keys are stored unencrypted is
// given by the commands that store or use a key, once that worked, and by
// no other: not by check-token, keys list or config print, and not by a
// serve that fails because the keys are sealed and the master key missing.
func TestMasterKeyWarning(t *testing.T) {
	const warning = "no master key: signing keys are stored unencrypted"
	plain := securedEnv(t)
	plain["AUTH_ISSUER"] = "https://origin.test"
	if _, err := runCmd(t, plain, "keys", "list"); err != nil {
		t.Fatal(err)
	}
	stderrOf := func(env map[string]string, args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(context.Background(), args, envOf(env), strings.NewReader(""), &out, &errOut)
		return errOut.String(), err
	}
	for _, args := range [][]string{{"keys", "list"}, {"config", "print"}, {"check-token", "-path", "/healthz", "x.y.z"}} {
		if e, err := stderrOf(plain, args...); err != nil || strings.Contains(e, warning) {
			t.Errorf("%v: err %v, stderr %q: no warning wanted", args, err, e)
		}
	}
	if e, err := stderrOf(plain, "keys", "rotate"); err != nil || !strings.Contains(e, warning) {
		t.Errorf("keys rotate without a master key: err %v, stderr %q: want the warning", err, e)
	}

	sealed := baseEnv(t)
	sealed["ORIGIN_MASTER_KEY"] = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	if e, err := stderrOf(sealed, "keys", "rotate"); err != nil || strings.Contains(e, warning) {
		t.Fatalf("keys rotate with a master key: err %v, stderr %q", err, e)
	}
	delete(sealed, "ORIGIN_MASTER_KEY")
	e, err := stderrOf(sealed, "serve", "-port", "0")
	if err == nil || strings.Contains(e, warning) {
		t.Errorf("serve on sealed keys without the master key: err %v, stderr %q: a failure and no warning wanted", err, e)
	}
}

// TestServeWithoutModuleCreatesNothing: a serve that cannot load its auth
// module (none embedded and none named, or a missing file) fails before it
// creates a database and a signing key in the working folder.
func TestServeWithoutModuleCreatesNothing(t *testing.T) {
	env := baseEnv(t)
	env["AUTH_MODULE"] = filepath.Join(t.TempDir(), "missing.wasm")
	var errOut bytes.Buffer
	err := run(context.Background(), []string{"serve", "-port", "0"}, envOf(env), strings.NewReader(""), &bytes.Buffer{}, &errOut)
	if err == nil || !strings.Contains(err.Error(), "missing.wasm") {
		t.Fatalf("serve = %v, want the module's error", err)
	}
	if _, err := os.Stat(filepath.Dir(env["DATABASE_PATH"])); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the database folder exists after the failed start (%v)", err)
	}
}
