package tui

import (
	"context"
	"encoding/json"
	"fmt"

	tea "github.com/charmbracelet/bubbletea"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/kube"
)

// Actions are the changes the TUI can make, each behind a confirmation.
type Actions interface {
	// DeleteNodeClaim deletes a NodeClaim; the agent drains its node before the instance goes.
	DeleteNodeClaim(ctx context.Context, name string) error
	// SetDoNotDisrupt sets or removes karpenter.sh/do-not-disrupt on a node.
	SetDoNotDisrupt(ctx context.Context, node string, on bool) error
	// Cordon marks a node unschedulable, or schedulable again.
	Cordon(ctx context.Context, node string, on bool) error
}

// Action is one confirmed change.
type Action struct {
	// What describes it for the status bar ("delete nodeclaim default-x7k2q").
	What string
	Run  func(ctx context.Context, a Actions) error
}

// runAction runs the action off the UI loop; its outcome comes back as actionDoneMsg.
func runAction(e *env, a Action) tea.Cmd {
	return func() tea.Msg {
		if e.actions == nil {
			return actionDoneMsg{what: a.What, err: fmt.Errorf("no API connection")}
		}
		return actionDoneMsg{what: a.What, err: a.Run(e.ctx, e.actions)}
	}
}

// confirmDelete, confirmCordon and confirmDoNotDisrupt build the confirmation requests of the
// screens that show NodeClaims.
func confirmDelete(claim string) confirmMsg {
	return confirmMsg{
		question: fmt.Sprintf("Delete NodeClaim %s?\nThe agent cordons and drains its node, then terminates the instance.", claim),
		action: Action{What: "delete nodeclaim " + claim, Run: func(ctx context.Context, a Actions) error {
			return a.DeleteNodeClaim(ctx, claim)
		}},
	}
}

func confirmCordon(node string, cordoned bool) confirmMsg {
	verb := "Cordon"
	if cordoned {
		verb = "Uncordon"
	}
	return confirmMsg{
		question: fmt.Sprintf("%s node %s?", verb, node),
		action: Action{What: fmt.Sprintf("%s node %s", lower(verb), node), Run: func(ctx context.Context, a Actions) error {
			return a.Cordon(ctx, node, !cordoned)
		}},
	}
}

func confirmDoNotDisrupt(node string, on bool) confirmMsg {
	q := fmt.Sprintf("Set %s=true on node %s?\nThe agent will not consolidate, expire or drift it.", karpv1.DoNotDisruptAnnotationKey, node)
	what := "set do-not-disrupt on node " + node
	if on {
		q = fmt.Sprintf("Remove %s from node %s?\nThe agent may disrupt it again.", karpv1.DoNotDisruptAnnotationKey, node)
		what = "remove do-not-disrupt from node " + node
	}
	return confirmMsg{question: q, action: Action{What: what, Run: func(ctx context.Context, a Actions) error {
		return a.SetDoNotDisrupt(ctx, node, !on)
	}}}
}

func lower(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]|0x20) + s[1:]
}

// KubeActions implements Actions with the plugin's clients; errors say what RBAC is missing.
type KubeActions struct{ Clients *kube.Clients }

var _ Actions = KubeActions{}

var nodesResource = schema.GroupResource{Resource: "nodes"}

// DeleteNodeClaim implements Actions.
func (k KubeActions) DeleteNodeClaim(ctx context.Context, name string) error {
	err := k.Clients.Resource(kube.NodeClaims).Delete(ctx, name, metav1.DeleteOptions{})
	return k.Clients.Explain(err, kube.Op{Verb: "delete", Resource: kube.NodeClaims.GroupResource(), Name: name})
}

// SetDoNotDisrupt implements Actions.
func (k KubeActions) SetDoNotDisrupt(ctx context.Context, node string, on bool) error {
	var value interface{}
	if on {
		value = "true"
	}
	return k.patchNode(ctx, node, map[string]interface{}{"metadata": map[string]interface{}{
		"annotations": map[string]interface{}{karpv1.DoNotDisruptAnnotationKey: value}}})
}

// Cordon implements Actions.
func (k KubeActions) Cordon(ctx context.Context, node string, on bool) error {
	var value interface{}
	if on {
		value = true
	}
	return k.patchNode(ctx, node, map[string]interface{}{"spec": map[string]interface{}{"unschedulable": value}})
}

func (k KubeActions) patchNode(ctx context.Context, node string, patch map[string]interface{}) error {
	data, err := json.Marshal(patch)
	if err != nil {
		return fmt.Errorf("encoding the patch of node %s: %w", node, err)
	}
	_, err = k.Clients.Kube.CoreV1().Nodes().Patch(ctx, node, types.MergePatchType, data, metav1.PatchOptions{})
	return k.Clients.Explain(err, kube.Op{Verb: "patch", Resource: nodesResource, Name: node})
}
