package main

import (
	"fmt"
	"net"
	"net/url"
	"os"

	"github.com/spf13/pflag"

	"github.com/do86/do86/pkg/display/web"
)

// envWebToken supplies --web-token when the flag is not given.
const envWebToken = "DO86_WEB_TOKEN"

// webAccess is who may use a web server (do86 serve, run --web): its
// access token and the host names it answers to besides loopback and its
// listen address (pkg/display/web's Options.Token and AllowHosts).
type webAccess struct {
	token      string   // "" none given; "none" none wanted
	allowHosts []string // --allow-host
}

// addWebAccessFlags registers --web-token and --allow-host on fl.
func addWebAccessFlags(fl *pflag.FlagSet, a *webAccess) {
	fl.StringVar(&a.token, "web-token", os.Getenv(envWebToken),
		`access token every browser request must carry (?token= in the URL, kept in a cookie); default: generated when listening beyond loopback; "none": no token (or $`+envWebToken+`)`)
	fl.StringArrayVar(&a.allowHosts, "allow-host", nil,
		"also answer requests naming this host (a DNS name users reach the server by; repeatable); other names are refused, as DNS rebinding attacks send them")
}

// resolve decides the token of a server listening on addr and returns it
// with a function that prints the address to open. A server beyond
// loopback without a token gets a fresh one (printed in the URL) unless
// the token is "none", which is warned about; flag names the listening
// flag for the messages.
func (a webAccess) resolve(addr, flag string) (token string, url func(net.Addr) string) {
	token = a.token
	loop := web.Loopback(addr)
	switch {
	case token == "none":
		token = ""
		if !loop {
			fmt.Fprintf(os.Stderr, "do86: warning: %s %s serves beyond this computer without an access token: anyone who can reach it controls the machine\n", flag, addr)
		}
	case token == "" && !loop:
		token = web.NewToken()
		fmt.Fprintf(os.Stderr, "do86: %s %s serves beyond this computer: every request needs the access token printed in the address below (--web-token sets one; --web-token none: no token)\n", flag, addr)
	}
	return token, func(la net.Addr) string { return openURL(la, token) }
}

// openURL is the address to open for a server listening on la: on a
// wildcard address, one of the computer's own; with the token.
func openURL(la net.Addr, token string) string {
	host, port, err := net.SplitHostPort(la.String())
	if err != nil {
		return "http://" + la.String() + "/"
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
		if addrs, err := net.InterfaceAddrs(); err == nil {
			for _, a := range addrs {
				if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
					host = n.IP.String()
					break
				}
			}
		}
	}
	u := "http://" + net.JoinHostPort(host, port) + "/"
	if token != "" {
		u += "?token=" + url.QueryEscape(token)
	}
	return u
}
