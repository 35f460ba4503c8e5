package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"text/tabwriter"
)

// report is the benchmark's result; its JSON form is the shape plus detail.
type report struct {
	Events      int64                      `json:"events"`
	Partitions  int                        `json:"partitions"`
	TPS         int64                      `json:"tps"`
	EngineProcs int                        `json:"engine_gomaxprocs"`
	Machine     string                     `json:"machine"`
	Baselines   map[string]*baselineResult `json:"baselines"`
	Queries     map[string]*queryResult    `json:"queries"`
	// Seeds holds the seed workloads when `nexmark -seeds` ran them.
	Seeds *seedsReport `json:"seeds,omitempty"`
	order []string
}

// seedsReport is the seed workloads' part of a report; the telemetry and delivery
// commands write it alone (with the machine) as their -json.
type seedsReport struct {
	Telemetry *telemetryResult `json:"telemetry,omitempty"`
	Delivery  *deliveryResult  `json:"delivery,omitempty"`
}

// writeSeedsJSON writes {"machine": ..., "seeds": seeds} to path.
func writeSeedsJSON(path string, seeds *seedsReport) error {
	data, err := json.MarshalIndent(struct {
		Machine string       `json:"machine"`
		Seeds   *seedsReport `json:"seeds"`
	}{machine(), seeds}, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}

// newTable is the right-aligned table writer of every printed table.
func newTable(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

type baselineResult struct {
	Records             int64   `json:"records"`
	CPUSeconds          float64 `json:"cpu_seconds"`
	WallSeconds         float64 `json:"wall_seconds"`
	EventsPerSecPerCore float64 `json:"events_per_sec_per_core,omitempty"`
	EventsPerSec        float64 `json:"events_per_sec,omitempty"`
	WritesPerSec        float64 `json:"writes_per_sec,omitempty"`
	WritesPerSecPerCore float64 `json:"writes_per_sec_per_core,omitempty"`
}

type queryResult struct {
	EventsPerSecPerCore float64 `json:"events_per_sec_per_core"`
	EventsPerSec        float64 `json:"events_per_sec"`
	CPUSeconds          float64 `json:"cpu_seconds"`
	WallSeconds         float64 `json:"wall_seconds"`
	Cores               float64 `json:"cores"`
	P50LatencyMs        float64 `json:"p50_latency_ms"`
	P99LatencyMs        float64 `json:"p99_latency_ms"`
	LatencyRate         float64 `json:"latency_rate_events_per_sec,omitempty"`
	LatencySamples      int     `json:"latency_samples,omitempty"`
	Verified            bool    `json:"verified"`
	VerifiedRows        int     `json:"verified_rows,omitempty"`
	VerifyNote          string  `json:"verify_note,omitempty"`
	Stateless           bool    `json:"stateless"`
	Statements          int     `json:"statements"`
	// Ratio is to B1 for a stateless query, to q0 for a stateful one.
	Ratio   float64 `json:"ratio,omitempty"`
	RatioTo string  `json:"ratio_to,omitempty"`
	// Error is the engine's refusal of a statement ("not supported yet").
	Error string `json:"error,omitempty"`
}

func runtimeDesc() string {
	return fmt.Sprintf("%d CPUs, %s/%s, %s", runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version())
}

// ratios fills each query's ratio to its reference.
func (r *report) ratios() {
	b1 := r.Baselines["B1"]
	q0 := r.Queries["q0"]
	for name, q := range r.Queries {
		if q.Error != "" || q.EventsPerSecPerCore == 0 {
			continue
		}
		switch {
		case q.Stateless && b1 != nil && b1.EventsPerSecPerCore > 0:
			q.Ratio, q.RatioTo = q.EventsPerSecPerCore/b1.EventsPerSecPerCore, "B1"
		case !q.Stateless && name != "q0" && q0 != nil && q0.EventsPerSecPerCore > 0:
			q.Ratio, q.RatioTo = q.EventsPerSecPerCore/q0.EventsPerSecPerCore, "q0"
		}
	}
}

// writeTable prints the Flink-style table: events, cores, time, cores × time,
// throughput per core, plus ratios, latency and verification.
func (r *report) writeTable(w io.Writer) {
	fmt.Fprintf(w, "Nexmark on Sluice: %d events (tps %d, %d partitions), engine GOMAXPROCS=%d, %s\n",
		r.Events, r.TPS, r.Partitions, r.EngineProcs, r.Machine)
	tw := newTable(w)
	fmt.Fprintln(tw, "name\tevents\tcores\ttime s\tcores×time\tevents/s/core\tevents/s\tratio\tp50 ms\tp99 ms\tverified\t")
	for _, k := range []string{"B0", "B1"} {
		if b := r.Baselines[k]; b != nil {
			fmt.Fprintf(tw, "%s\t%d\t%.2f\t%.2f\t%.2f\t%.0f\t%.0f\t\t\t\t\t\n", k, b.Records, b.CPUSeconds/b.WallSeconds,
				b.WallSeconds, b.CPUSeconds, b.EventsPerSecPerCore, b.EventsPerSec)
		}
	}
	if b := r.Baselines["P0"]; b != nil {
		fmt.Fprintf(tw, "P0 (writes)\t%d\t%.2f\t%.2f\t%.2f\t%.0f\t%.0f\t\t\t\t\t\n", b.Records, b.CPUSeconds/b.WallSeconds,
			b.WallSeconds, b.CPUSeconds, b.WritesPerSecPerCore, b.WritesPerSec)
	}
	var unsupported []string
	for _, name := range r.order {
		q := r.Queries[name]
		if q.Error != "" {
			unsupported = append(unsupported, fmt.Sprintf("%s: not supported yet: %s", name, q.Error))
			fmt.Fprintf(tw, "%s\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t\n", name)
			continue
		}
		ratio := ""
		if q.RatioTo != "" {
			ratio = fmt.Sprintf("%.2f×%s", q.Ratio, q.RatioTo)
		}
		verified := yesNo(q.Verified)
		fmt.Fprintf(tw, "%s\t%d\t%.2f\t%.2f\t%.2f\t%.0f\t%.0f\t%s\t%.1f\t%.1f\t%s\t\n", name, r.Events, q.Cores,
			q.WallSeconds, q.CPUSeconds, q.EventsPerSecPerCore, q.EventsPerSec, ratio, q.P50LatencyMs, q.P99LatencyMs, verified)
	}
	tw.Flush()
	for _, u := range unsupported {
		fmt.Fprintln(w, "  "+strings.ReplaceAll(u, "\n", " "))
	}
	for _, name := range r.order {
		if q := r.Queries[name]; q.Error == "" && !q.Verified && q.VerifyNote != "" {
			fmt.Fprintf(w, "  %s not verified: %s\n", name, q.VerifyNote)
		}
	}
	if s := r.Seeds; s != nil {
		if s.Telemetry != nil {
			fmt.Fprintln(w)
			s.Telemetry.writeTable(w, r.Machine)
		}
		if s.Delivery != nil {
			fmt.Fprintln(w)
			s.Delivery.writeTable(w, r.Machine)
		}
	}
}

func (r *report) writeJSON(path string) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}
