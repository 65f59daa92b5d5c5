package script_test

import (
	"context"
	"regexp"
	"testing"
	"time"
)

// suite is ten FreeDOS tests: a command typed at the prompt and what its
// answer shows.
var suite = []struct{ typed, answer string }{
	{"dir\n", `bytes free`},
	{"ver\n", `FreeCom version`},
	{"echo suite-3\n", `(?m)^suite-3`},
	{"vol\n", `Volume in drive A`},
	{"cd fdos\n", `(?m)^A:\\FDOS>`},
	{"echo suite-6\n", `(?m)^suite-6`},
	{"dir /w\n", `bytes free`},
	{"echo suite-8\n", `(?m)^suite-8`},
	{"dir games\n", `Directory of A:\\GAMES`},
	{"echo suite-10\n", `(?m)^suite-10`},
}

// BenchmarkFreeDOSSuite is issue 21's suite timing: FreeDOS boots once to
// its prompt and is saved; then each of ten tests restores that snapshot
// into the running machine, types its command and waits for the answer.
// An op is the whole suite of ten; restore-ms is one restore.
func BenchmarkFreeDOSSuite(b *testing.B) {
	ctx := context.Background()
	t0 := time.Now()
	s := freeDOSAtPrompt(b, ctx, "booted")
	b.Logf("boot and save: %v", time.Since(t0).Round(time.Millisecond))
	answers := make([]*regexp.Regexp, len(suite))
	for i, t := range suite {
		answers[i] = regexp.MustCompile(t.answer)
	}
	var restore time.Duration
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		for i, t := range suite {
			r0 := time.Now()
			if err := s.Restore(ctx, "booted"); err != nil {
				b.Fatal(err)
			}
			restore += time.Since(r0)
			if err := s.Type(t.typed); err != nil {
				b.Fatal(err)
			}
			wctx, cancel := context.WithTimeout(ctx, time.Minute)
			_, err := s.WaitText(wctx, answers[i])
			cancel()
			if err != nil {
				b.Fatalf("test %d (%q): %v", i+1, t.typed, err)
			}
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(restore.Milliseconds())/float64(b.N*len(suite)), "restore-ms")
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N*len(suite))*1000, "ms/test")
}
