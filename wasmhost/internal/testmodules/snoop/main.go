//go:build wasip1

// Command snoop is an ABI v1 module that tries to reach outside its
// sandbox, for wasmhost's sandbox tests. Every authorize call on /probe
// tries to read files (absolute, relative, /proc, the preopened
// directories), list directories, create a file, read the environment and
// the command line, resolve a name and send over TCP and UDP to the ports
// named in the path (/probe/<tcp>/<udp>), and reports what it got as the
// Decision's subject (a JSON object). A host that keeps the sandbox shut
// gives it errors and empty lists only, and its sockets receive nothing.
//
// It also misbehaves on request, so the sandbox can be attacked under load:
// /trap panics, /loop never returns, /oom allocates until memory runs out.
// Any other path is allowed with subject "ok <path>".
package main

import (
	"encoding/json"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/craftingapis/todos/wasmhost/internal/testmodules/guestabi"
)

func main() {}

var (
	hog [][]byte
)

//go:wasmexport edgeauth_configure
func configure(ptr, n int32) int64 {
	_ = guestabi.Input(ptr, n)
	return guestabi.Result(map[string]any{"ok": true})
}

// Report is what the module could see of the world outside.
type Report struct {
	// Got lists every probe that succeeded (it must stay empty), as
	// "probe: what it got".
	Got []string `json:"got"`
	// Tried counts the probes, so a test knows they ran.
	Tried int      `json:"tried"`
	Env   []string `json:"env"`
	Args  []string `json:"args"`
	// Hostname is what os.Hostname says (Go answers "wasip1" itself).
	Hostname string `json:"hostname"`
	// Net is what the module believes its network attempts did.
	Net []string `json:"net"`
}

func probe(tcpPort, udpPort string) Report {
	var r Report
	try := func(name string, f func() (string, error)) {
		r.Tried++
		if got, err := f(); err == nil {
			r.Got = append(r.Got, name+": "+got)
		}
	}
	for _, p := range []string{"/etc/passwd", "/etc/hostname", "/proc/self/environ", "/proc/self/cmdline", "go.mod", "./go.mod", "../go.mod", "/", "."} {
		try("read "+p, func() (string, error) {
			b, err := os.ReadFile(p)
			return strconv.Itoa(len(b)) + " bytes", err
		})
		try("list "+p, func() (string, error) {
			es, err := os.ReadDir(p)
			return strconv.Itoa(len(es)) + " entries", err
		})
		try("stat "+p, func() (string, error) {
			fi, err := os.Stat(p)
			if err != nil {
				return "", err
			}
			return fi.Name(), nil
		})
	}
	try("create /tmp/snoop", func() (string, error) {
		f, err := os.Create("/tmp/snoop")
		if err != nil {
			return "", err
		}
		return "created", f.Close()
	})
	try("create ./snoop", func() (string, error) { return "written", os.WriteFile("snoop", []byte("x"), 0o644) })
	try("getwd", func() (string, error) {
		wd, err := os.Getwd()
		if err == nil && (wd == "" || wd == "/") {
			// WASI has no working directory; Go makes one up without
			// asking the host.
			return "", os.ErrNotExist
		}
		return wd, err
	})
	r.Hostname, _ = os.Hostname()
	// Go's net package on wasip1 simulates a loopback network inside the
	// module (net_fake.go), so a dial or a listen may "succeed" without the
	// host seeing anything. What the module believes is recorded for the
	// log; the test judges by what reaches its own real sockets.
	note := func(name string, err error) {
		if err != nil {
			name += ": " + err.Error()
		} else {
			name += ": ok (inside the module)"
		}
		r.Net = append(r.Net, name)
	}
	if tcpPort != "" {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+tcpPort, 100*time.Millisecond)
		if err == nil {
			_, err = c.Write([]byte("snoop"))
			c.Close()
		}
		note("dial tcp 127.0.0.1:"+tcpPort, err)
	}
	if udpPort != "" {
		c, err := net.Dial("udp", "127.0.0.1:"+udpPort)
		if err == nil {
			_, err = c.Write([]byte("snoop"))
			c.Close()
		}
		note("send udp 127.0.0.1:"+udpPort, err)
	}
	_, err := net.LookupHost("localhost")
	note("lookup localhost", err)
	for _, fd := range []uintptr{3, 4, 5} {
		try("fd "+strconv.Itoa(int(fd)), func() (string, error) {
			f := os.NewFile(fd, "preopen")
			_, err := f.Stat()
			return "open", err
		})
	}
	for _, k := range []string{"HOME", "PATH", "USER", "ORIGIN_MASTER_KEY", "DATABASE_URL"} {
		try("getenv "+k, func() (string, error) {
			if v, ok := os.LookupEnv(k); ok {
				return strconv.Itoa(len(v)) + " bytes", nil
			}
			return "", os.ErrNotExist
		})
	}
	r.Env = os.Environ()
	r.Args = os.Args
	return r
}

type request struct {
	Path string `json:"path"`
}

type decision struct {
	Allow   bool   `json:"allow"`
	Status  int    `json:"status"`
	Subject string `json:"subject,omitempty"`
}

//go:wasmexport edgeauth_authorize
func authorize(ptr, n int32) int64 {
	var r request
	_ = json.Unmarshal(guestabi.Input(ptr, n), &r)
	if rest, ok := strings.CutPrefix(r.Path, "/probe"); ok {
		// /probe or /probe/<tcp port>/<udp port>: the ports of the test's
		// real sockets.
		parts := strings.Split(strings.TrimPrefix(rest, "/"), "/")
		tcp, udp := parts[0], ""
		if len(parts) > 1 {
			udp = parts[1]
		}
		b, _ := json.Marshal(probe(tcp, udp))
		return guestabi.Result(decision{Allow: true, Status: 200, Subject: string(b)})
	}
	switch r.Path {
	case "/trap":
		panic("trap requested")
	case "/loop":
		for {
		}
	case "/oom":
		for {
			hog = append(hog, make([]byte, 1<<20))
		}
	}
	return guestabi.Result(decision{Allow: true, Status: 200, Subject: "ok " + r.Path})
}
