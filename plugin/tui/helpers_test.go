package tui

import (
	"errors"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/kube"
)

var errForbidden = (&kube.Clients{Server: "https://test"}).Explain(
	apierrors.NewForbidden(kube.NodeClaims.GroupResource(), "default-abcde", errors.New("RBAC: access denied")),
	kube.Op{Verb: "delete", Resource: kube.NodeClaims.GroupResource(), Name: "default-abcde"})

func windowSize(w, h int) tea.WindowSizeMsg { return tea.WindowSizeMsg{Width: w, Height: h} }

func displayWidth(s string) int { return ansi.StringWidth(s) }
