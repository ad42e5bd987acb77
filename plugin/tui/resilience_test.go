package tui

import (
	"context"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest"
	"k8s.io/client-go/rest"

	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/kube"
)

// Without RBAC to watch anything, the TUI shows what is forbidden in the status bar and keeps
// running.
func TestRBACDenialsShowInTheStatusBar(t *testing.T) {
	newAPICluster(t)
	cfg := rest.CopyConfig(suite.APIServer(t))
	// The suite's admin may impersonate; "nobody" has no role at all.
	cfg.Impersonate = rest.ImpersonationConfig{UserName: "nobody"}
	c, err := kube.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	store := NewStore()
	if err := NewSource(c, store).Run(ctx); err != nil {
		t.Fatal(err)
	}
	m := New(ctx, Config{Context: "envtest", Store: store, Window: 20 * time.Millisecond})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(300, 20))
	waitOutput(t, tm, "forbidden: cannot watch")
	tm.Send(keyMsg("j"))
	for _, k := range keysOf(":", "decisions", "enter") {
		tm.Send(k)
	}
	waitOutput(t, tm, "No decisions yet.")
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
}

// proxy forwards TCP to the API server and can cut every connection and refuse new ones, as a
// lost network does.
type proxy struct {
	t      *testing.T
	target string
	addr   string

	mu    sync.Mutex
	ln    net.Listener
	conns []net.Conn
}

func startProxy(t *testing.T, target string) *proxy {
	t.Helper()
	p := &proxy{t: t, target: target}
	p.listen("127.0.0.1:0")
	t.Cleanup(p.cut)
	return p
}

func (p *proxy) listen(addr string) {
	p.t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				_ = c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(up, c); _ = up.Close() }()
			go func() { _, _ = io.Copy(c, up); _ = c.Close() }()
		}
	}()
}

// cut closes the listener and every connection.
func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		_ = p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
}

// The connection drops: the status bar says so; it comes back: the informers reconnect on
// their own, the error goes and new objects show.
func TestReconnectsAfterALostConnection(t *testing.T) {
	api, _ := newAPICluster(t)
	reco := uniq("reco")
	api.seed(reco)
	cfg := rest.CopyConfig(suite.APIServer(t))
	u, err := url.Parse(cfg.Host)
	if err != nil {
		t.Fatal(err)
	}
	p := startProxy(t, u.Host)
	cfg.Host = "https://" + p.addr
	c, err := kube.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	store := NewStore()
	if err := NewSource(c, store).Run(ctx); err != nil {
		t.Fatal(err)
	}
	m := New(ctx, Config{Context: "envtest", Store: store, Start: viewNodeClaims, Window: 20 * time.Millisecond})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(300, 20))
	waitOutput(t, tm, reco+"-aaaaa")

	addr := p.addr
	p.cut()
	waitOutput(t, tm, "connection lost to https://"+addr)

	p.listen(addr)
	api.create(apiNodeClaim(reco+"-bbbbb", reco, ""))
	waitOutput(t, tm, reco+"-bbbbb")
	poll(t, func(context.Context) (bool, error) {
		return len(store.Snapshot(time.Now()).Errors) == 0, nil
	})
	// A later change guarantees that the screen has a snapshot taken after the errors cleared.
	api.create(apiNodeClaim(reco+"-ccccc", reco, ""))
	waitOutput(t, tm, reco+"-ccccc")
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	final := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*Model)
	if v := final.View(); strings.Contains(v, "connection lost") {
		t.Errorf("the error stayed after reconnecting:\n%s", v)
	}
}
