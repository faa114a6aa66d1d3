package main

import (
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
)

// pprofEnv names the environment variable that, set to a loopback address
// ("127.0.0.1:6060"), makes `residenthub run` serve Go's profiles
// (/debug/pprof/...) there: how `residenthub bench -profile` takes a CPU
// profile of the hub under load. Unset (the default) serves nothing; any
// address that is not loopback is refused, since profiles show memory.
const pprofEnv = "RESIDENTHUB_PPROF"

// startPprof serves net/http/pprof on $RESIDENTHUB_PPROF when it is a
// loopback address.
func startPprof(log *slog.Logger) {
	addr := os.Getenv(pprofEnv)
	if addr == "" {
		return
	}
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		log.Error("not serving profiles: "+pprofEnv+" must be a loopback host:port", "addr", addr)
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Error("cannot serve profiles", "addr", addr, "err", err)
		return
	}
	log.Info("serving Go profiles", "addr", addr)
	go func() { _ = http.Serve(ln, mux) }()
}
