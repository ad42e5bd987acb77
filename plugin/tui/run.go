package tui

import (
	"context"
	"fmt"
	"io"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/go-logr/logr"
	"k8s.io/klog/v2"

	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/kube"
)

// Views are the names `:` and --view accept.
var Views = []string{viewNodePools, viewNodeClaims, viewPending, viewDecisions}

// ValidView reports whether name (or a short form such as np, nc, ev) is a view.
func ValidView(name string) bool { return viewAliases[strings.ToLower(name)] != "" }

// RunOptions are what `kubectl karpenter tui` passes in.
type RunOptions struct {
	Clients          *kube.Clients
	Context, Cluster string
	ReadOnly         bool
	Start            string
	// NoColor drops colours (NO_COLOR): bold, underline and reverse remain.
	NoColor bool
	In      io.Reader
	Out     io.Writer
}

// Run starts the informers and the program, and returns when the user quits or ctx ends.
func Run(ctx context.Context, o RunOptions) error {
	// client-go logs watch failures through klog; on a full-screen UI they would tear the frame.
	// The status bar shows them instead.
	klog.SetLogger(logr.Discard())
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	store := NewStore()
	if err := NewSource(o.Clients, store).Run(ctx); err != nil {
		return err
	}
	cfg := Config{
		Context: o.Context, Cluster: o.Cluster, Server: o.Clients.Server, ReadOnly: o.ReadOnly, Start: o.Start, NoColor: o.NoColor,
		Store: store, Explain: ClusterExplainer(o.Clients),
	}
	if !o.ReadOnly {
		cfg.Actions = KubeActions{Clients: o.Clients}
	}
	p := tea.NewProgram(New(ctx, cfg), tea.WithAltScreen(), tea.WithInput(o.In), tea.WithOutput(o.Out), tea.WithContext(ctx))
	if _, err := p.Run(); err != nil && ctx.Err() == nil {
		return fmt.Errorf("running the terminal UI: %w", err)
	}
	return nil
}
