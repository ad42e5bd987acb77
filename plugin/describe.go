package plugin

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/decisions"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/describe"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/kube"
)

const describeExample = `  # A NodeClaim's lifecycle conditions, instance and price, the pods it was made for, its Events
  kubectl karpenter describe nodeclaim default-x7k2p

  # A NodePool's template, disruption settings, limits against usage, NodeClaims and Events
  kubectl karpenter describe nodepool default

  # Every NodePool
  kubectl karpenter describe nodepools`

// DescribeOptions are the options of `describe`.
type DescribeOptions struct {
	d        *deps
	Selector string
	Kind     resourceKind
	Names    []string
	clients  *kube.Clients
}

func newDescribeCommand(d *deps) *cobra.Command {
	o := &DescribeOptions{d: d}
	cmd := &cobra.Command{
		Use:     "describe (nodepool | nodeclaim) [NAME ...] [-l SELECTOR]",
		Short:   "Show a NodePool or NodeClaim in detail, with its Events",
		Example: describeExample,
		Args:    cobra.MinimumNArgs(1),
		ValidArgsFunction: func(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			if len(args) == 0 {
				return []string{"nodepool", "nodeclaim"}, cobra.ShellCompDirectiveNoFileComp
			}
			return completeNames(cmd.Context(), d, args[0])
		},
		RunE: runVerb(o),
	}
	cmd.Flags().StringVarP(&o.Selector, "selector", "l", "", "Label selector to filter on (when no NAME is given).")
	return cmd
}

// Complete reads the resource type and names.
func (o *DescribeOptions) Complete(args []string) error {
	kind, err := parseResourceKind(args[0])
	if err != nil {
		return err
	}
	o.Kind, o.Names = kind, args[1:]
	return nil
}

// Validate checks the selector.
func (o *DescribeOptions) Validate() error {
	if o.Selector == "" {
		return nil
	}
	if len(o.Names) > 0 {
		return fmt.Errorf("names and -l cannot be used together: give either NAME ... or -l %s", o.Selector)
	}
	if _, err := labels.Parse(o.Selector); err != nil {
		return fmt.Errorf("invalid label selector %q: %w", o.Selector, err)
	}
	return nil
}

// Run describes each named object, or every object matching the selector.
func (o *DescribeOptions) Run(ctx context.Context) error {
	c, err := o.d.clients()
	if err != nil {
		return err
	}
	o.clients = c
	names := o.Names
	if len(names) == 0 {
		if names, err = o.listNames(ctx); err != nil {
			return err
		}
		if len(names) == 0 {
			_, _ = fmt.Fprintln(o.d.streams.ErrOut, "No resources found")
			return nil
		}
	}
	for i, name := range names {
		if i > 0 {
			_, _ = fmt.Fprintln(o.d.streams.Out)
		}
		if o.Kind == kindNodePool {
			err = o.describeNodePool(ctx, name)
		} else {
			err = o.describeNodeClaim(ctx, name)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (o *DescribeOptions) listNames(ctx context.Context) ([]string, error) {
	var names []string
	if o.Kind == kindNodePool {
		nps, err := o.clients.ListNodePools(ctx, o.Selector)
		for _, np := range nps.Items {
			names = append(names, np.Name)
		}
		return names, err
	}
	ncs, err := o.clients.ListNodeClaims(ctx, o.Selector)
	for _, nc := range ncs.Items {
		names = append(names, nc.Name)
	}
	return names, err
}

func (o *DescribeOptions) describeNodePool(ctx context.Context, name string) error {
	_, np, err := o.clients.GetNodePool(ctx, name)
	if err != nil {
		return err
	}
	sel := labels.Set{karpv1.NodePoolLabelKey: name}.String()
	ncs, err := o.clients.ListNodeClaims(ctx, sel)
	if err != nil {
		return err
	}
	events, err := o.clients.EventsFor(ctx, "NodePool", name)
	if err != nil {
		return err
	}
	in := describe.NodePoolInput{NodePool: np, NodeClaims: ncs.Items, Events: events, Now: o.d.now()}
	if ref := np.Spec.Template.Spec.NodeClassRef; ref != nil && ref.Group == ec2v1.Group {
		// Only a definite "not found" is worth saying; RBAC or a missing CRD are not this
		// command's business.
		_, _, err := o.clients.GetEC2NodeClass(ctx, ref.Name)
		in.NodeClassMissing = err != nil && isNotFoundErr(err)
	}
	return describe.NodePool(o.d.streams.Out, in)
}

func (o *DescribeOptions) describeNodeClaim(ctx context.Context, name string) error {
	_, nc, err := o.clients.GetNodeClaim(ctx, name)
	if err != nil {
		return err
	}
	in := describe.NodeClaimInput{NodeClaim: nc, Now: o.d.now()}
	if in.Events, err = o.clients.EventsFor(ctx, "NodeClaim", name); err != nil {
		return err
	}
	if nodeName := nc.Status.NodeName; nodeName != "" {
		if in.Node, err = o.clients.GetNode(ctx, nodeName); err != nil {
			return err
		}
		nodeEvents, err := o.clients.EventsFor(ctx, "Node", nodeName)
		if err != nil {
			return err
		}
		in.Events = append(in.Events, nodeEvents...)
		if in.Pods, err = o.clients.ListPods(ctx, "", "", "spec.nodeName="+nodeName); err != nil {
			return err
		}
	}
	nominated, err := o.clients.ListEvents(ctx, fields.Set{"involvedObject.kind": "Pod", "reason": decisions.ReasonNominated}.AsSelector().String())
	if err != nil {
		return err
	}
	for _, e := range nominated {
		if target, ok := decisions.ParseNominated(e.Message); ok && strings.TrimSpace(target) == "nodeclaim/"+name {
			in.Nominations = append(in.Nominations, e)
		}
	}
	return describe.NodeClaim(o.d.streams.Out, in)
}

func isNotFoundErr(err error) bool {
	var nf *kube.NotFoundError
	return errors.As(err, &nf)
}
