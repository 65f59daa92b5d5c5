package images

import (
	"net/http"
	"strings"
	"testing"
)

// TestRedirectStaysOnTLS: a download that began over HTTPS is not
// redirected to plain HTTP (where anyone on the way could change an image
// whose hash the catalog does not fix); HTTP to HTTPS and HTTPS to HTTPS
// are followed.
func TestRedirectStaysOnTLS(t *testing.T) {
	t.Parallel()
	check := newClient(DefaultTimeouts).CheckRedirect
	req := func(u string) *http.Request {
		r, err := http.NewRequest("GET", u, nil)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if err := check(req("http://mirror.example/x.iso"), []*http.Request{req("https://example.org/x.iso")}); err == nil || !strings.Contains(err.Error(), "leaves HTTPS") {
		t.Errorf("https to http: %v", err)
	}
	for _, tc := range [][2]string{{"http://example.org/x", "https://mirror.example/x"}, {"https://example.org/x", "https://mirror.example/x"}, {"http://example.org/x", "http://mirror.example/x"}} {
		if err := check(req(tc[1]), []*http.Request{req(tc[0])}); err != nil {
			t.Errorf("%s to %s: %v", tc[0], tc[1], err)
		}
	}
}
