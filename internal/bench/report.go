package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strings"
	"unicode/utf8"
)

// Report is the outcome of Run: one row per figure, with every run's raw
// result kept for the JSON.
type Report struct {
	Date    string   `json:"date"`
	Host    Host     `json:"host"`
	Runs    int      `json:"runs"`
	VsNode  bool     `json:"vs_v86_node"`
	Rows    []Row    `json:"rows"`
	Notes   []string `json:"notes,omitempty"`
	Results []Result `json:"results"`
}

// Row is one figure: medians per engine and the ratios do86 / v86-node.
type Row struct {
	Group  string `json:"group"`
	Metric string `json:"metric"`
	Unit   string `json:"unit"`
	// HigherIsBetter: MIPS (a ratio above 1 favours do86); otherwise times,
	// memory and CPU (a ratio below 1 favours do86).
	HigherIsBetter bool `json:"higher_is_better"`

	Do86      *Stat `json:"do86,omitempty"`
	Do86NoJIT *Stat `json:"do86_nojit,omitempty"`
	Node      *Stat `json:"v86_node,omitempty"`
	NodeNoJIT *Stat `json:"v86_node_nojit,omitempty"`
	// Ratio and RatioNoJIT are do86's median over v86-node's.
	Ratio      *float64 `json:"ratio,omitempty"`
	RatioNoJIT *float64 `json:"ratio_nojit,omitempty"`
}

// Stat summarises the successful runs of one figure.
type Stat struct {
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
	N      int     `json:"n"`
	Failed int     `json:"failed,omitempty"`
}

// metric is how a row is read from results.
type metric struct {
	name, unit string
	higher     bool
	value      func(Result) float64 // NaN: not measured in this run
	engine     string               // the only engine that measures it ("": all)
}

func metricsFor(workload, name string) []metric {
	rss := metric{"  peak RSS", "MiB", false, func(r Result) float64 { return r.PeakRSSMiB }, ""}
	switch workload {
	case WorkLoop:
		return []metric{{name + " loop", "MIPS", true, func(r Result) float64 { return r.MIPS }, ""}}
	case WorkDesktop, WorkSerial:
		what := map[string]string{"kolibri": "KolibriOS desktop", "linux": "Linux CD DO86-LINUX-READY",
			"kolibri warm": "KolibriOS desktop, warm start (resumed snapshot)"}[name]
		if what == "" {
			what = name
		}
		var idle []metric
		if workload == WorkDesktop {
			// Not measured when a reference picture decides the end.
			idle = append(idle, metric{"  CPU idling at the desktop", "%", false, func(r Result) float64 {
				if r.IdleCPU == 0 {
					return math.NaN()
				}
				return r.IdleCPU * 100
			}, ""})
		}
		ms := []metric{
			{what, "s", false, func(r Result) float64 { return r.Seconds }, ""},
			{"  from process start", "s", false, func(r Result) float64 { return r.Total() }, ""},
			{"  CPU time of the boot", "s", false, func(r Result) float64 { return r.CPUSeconds }, ""},
		}
		if !strings.HasSuffix(name, " warm") {
			// A resumed guest's count starts where the snapshot's did.
			ms = append(ms, metric{"  guest speed over the boot", "MIPS", true, func(r Result) float64 { return r.GuestMIPS }, ""})
		}
		ms = append(ms, rss,
			metric{"  JIT modules compiled", "", false, func(r Result) float64 { return float64(r.JITModules) }, EngineDo86},
			metric{"  JIT compile time", "s", false, func(r Result) float64 { return r.JITCompileSeconds }, EngineDo86})
		return append(ms, idle...)
	case WorkIdle:
		return []metric{
			{"FreeDOS idle CPU", "%", false, func(r Result) float64 { return r.IdleCPU * 100 }, ""},
			rss,
		}
	}
	return nil
}

// summarize fills Rows from Results.
func (rep *Report) summarize() { rep.Rows = Summarize(rep.Results) }

// Summarize turns results into rows, guests in the order their results
// came: medians of the successful runs per engine and JIT setting, and the
// ratios do86 / v86-node.
func Summarize(results []Result) []Row {
	type key struct{ workload, name string }
	var order []key
	seen := map[key]bool{}
	groupOf := map[string]string{WorkLoop: GroupLoops, WorkDesktop: GroupKolibri, WorkSerial: GroupLinux, WorkIdle: GroupIdle}
	for _, r := range results {
		k := key{r.Workload, r.Name}
		if !seen[k] {
			seen[k] = true
			order = append(order, k)
		}
	}
	var rows []Row
	for _, k := range order {
		for _, m := range metricsFor(k.workload, k.name) {
			row := Row{Group: groupOf[k.workload], Metric: m.name, Unit: m.unit, HigherIsBetter: m.higher}
			pick := func(engine string, jit bool) *Stat {
				if m.engine != "" && m.engine != engine {
					return nil
				}
				var vals []float64
				failed := 0
				for _, r := range results {
					if r.Workload != k.workload || r.Name != k.name || r.Engine != engine || r.JIT != jit {
						continue
					}
					if !r.OK {
						failed++
						continue
					}
					if v := m.value(r); !math.IsNaN(v) {
						vals = append(vals, v)
					}
				}
				if len(vals) == 0 && failed == 0 {
					return nil
				}
				return stat(vals, failed)
			}
			row.Do86, row.Do86NoJIT = pick(EngineDo86, true), pick(EngineDo86, false)
			row.Node, row.NodeNoJIT = pick(EngineNode, true), pick(EngineNode, false)
			row.Ratio = ratio(row.Do86, row.Node)
			row.RatioNoJIT = ratio(row.Do86NoJIT, row.NodeNoJIT)
			if !measured(row.Do86, row.Do86NoJIT, row.Node, row.NodeNoJIT) {
				continue // e.g. idle CPU when a picture decided the end
			}
			rows = append(rows, row)
		}
	}
	return rows
}

// measured reports whether any of the stats has a value or a failure.
func measured(stats ...*Stat) bool {
	for _, s := range stats {
		if s != nil && (s.N > 0 || s.Failed > 0) {
			return true
		}
	}
	return false
}

func stat(vals []float64, failed int) *Stat {
	s := &Stat{N: len(vals), Failed: failed}
	if len(vals) == 0 {
		return s
	}
	sort.Float64s(vals)
	s.Min, s.Max = vals[0], vals[len(vals)-1]
	s.Median = Median(vals)
	return s
}

// Median returns the median of vals (the mean of the middle two for an even
// count), NaN for none. vals is sorted in place.
func Median(vals []float64) float64 {
	if len(vals) == 0 {
		return math.NaN()
	}
	sort.Float64s(vals)
	n := len(vals)
	if n%2 == 1 {
		return vals[n/2]
	}
	return (vals[n/2-1] + vals[n/2]) / 2
}

func ratio(a, b *Stat) *float64 {
	if a == nil || b == nil || a.N == 0 || b.N == 0 || b.Median == 0 {
		return nil
	}
	r := a.Median / b.Median
	return &r
}

// WriteJSON writes the report, indented, to path.
func (rep *Report) WriteJSON(path string) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// WriteTable prints the rows as an aligned table with the host and notes.
func (rep *Report) WriteTable(w io.Writer) error {
	h := rep.Host
	fmt.Fprintf(w, "do86 bench — %s, %d cores, %s, %s", h.CPU, h.Cores, h.OS, h.Go)
	if h.Node != "" {
		fmt.Fprintf(w, ", node %s", h.Node)
	}
	fmt.Fprintf(w, "; medians of %d run(s)", rep.Runs)
	if h.LoadBefore != "" {
		fmt.Fprintf(w, "; load average %s before, %s after", h.LoadBefore, h.LoadAfter)
	}
	fmt.Fprint(w, "\n\n")
	hasNoJIT, hasNode := false, false
	for _, r := range rep.Rows {
		hasNoJIT = hasNoJIT || r.Do86NoJIT != nil || r.NodeNoJIT != nil
		hasNode = hasNode || r.Node != nil
	}
	cols := []string{"figure", "unit", "do86"}
	if hasNoJIT {
		cols = append(cols, "do86 no-JIT")
	}
	if hasNode {
		cols = append(cols, "v86-node")
		if hasNoJIT {
			cols = append(cols, "v86-node no-JIT")
		}
		cols = append(cols, "do86/v86")
		if hasNoJIT {
			cols = append(cols, "no-JIT do86/v86")
		}
	}
	table := [][]string{cols}
	for _, r := range rep.Rows {
		cells := []string{r.Metric, r.Unit, cell(r.Do86, r.Unit)}
		if hasNoJIT {
			cells = append(cells, cell(r.Do86NoJIT, r.Unit))
		}
		if hasNode {
			cells = append(cells, cell(r.Node, r.Unit))
			if hasNoJIT {
				cells = append(cells, cell(r.NodeNoJIT, r.Unit))
			}
			cells = append(cells, ratioCell(r.Ratio))
			if hasNoJIT {
				cells = append(cells, ratioCell(r.RatioNoJIT))
			}
		}
		table = append(table, cells)
	}
	if err := writeAligned(w, table); err != nil {
		return err
	}
	if hasNode {
		fmt.Fprintln(w, "\ndo86/v86: MIPS above 1 and seconds, MiB, CPU below 1 favour do86.")
	}
	for _, n := range rep.Notes {
		fmt.Fprintln(w, "note:", n)
	}
	return nil
}

// writeAligned prints rows of cells: the first column left-aligned, the
// others right-aligned, two spaces apart.
func writeAligned(w io.Writer, rows [][]string) error {
	var width []int
	for _, r := range rows {
		for i, c := range r {
			if i >= len(width) {
				width = append(width, 0)
			}
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	for _, r := range rows {
		var b strings.Builder
		for i, c := range r {
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
			if i == 0 {
				b.WriteString(c + pad)
			} else {
				b.WriteString("  " + pad + c)
			}
		}
		if _, err := fmt.Fprintln(w, b.String()); err != nil {
			return err
		}
	}
	return nil
}

func cell(s *Stat, unit string) string {
	switch {
	case s == nil:
		return ""
	case s.N == 0:
		return "failed"
	}
	prec := 2
	switch unit {
	case "MIPS", "MiB", "":
		prec = 0
		if s.Median < 100 {
			prec = 1
		}
	case "%":
		prec = 1
	}
	v := fmt.Sprintf("%.*f", prec, s.Median)
	if s.Failed > 0 {
		v += fmt.Sprintf(" (%d failed)", s.Failed)
	}
	return v
}

func ratioCell(r *float64) string {
	if r == nil {
		return ""
	}
	return fmt.Sprintf("%.2f", *r)
}
