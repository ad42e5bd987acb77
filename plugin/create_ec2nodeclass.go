package plugin

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/kube"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/manifest"
)

const createEC2NodeClassExample = `  # Subnets and security groups tagged karpenter.sh/discovery=my-cluster, Amazon Linux 2023,
  # the role KarpenterNodeRole-my-cluster
  kubectl karpenter create ec2nodeclass default --cluster-name my-cluster

  # Bottlerocket with an existing instance profile, printed rather than created
  kubectl karpenter create ec2nodeclass br --cluster-name my-cluster --ami-alias bottlerocket@latest \
    --instance-profile KarpenterNodeInstanceProfile --dry-run=client -o yaml`

// CreateEC2NodeClassOptions are the options of `create ec2nodeclass`.
type CreateEC2NodeClassOptions struct {
	d      *deps
	create *createFlags
	Flags  manifest.NodeClassFlags

	Name    string
	obj     map[string]interface{}
	origins manifest.Origins
}

func newCreateEC2NodeClassCommand(d *deps) *cobra.Command {
	o := &CreateEC2NodeClassOptions{d: d, create: newCreateFlags()}
	cmd := &cobra.Command{
		Use:   "ec2nodeclass NAME --cluster-name CLUSTER [flags]",
		Short: "Create an EC2NodeClass that discovers the cluster's subnets and security groups by tag",
		Long: `Create an EC2NodeClass whose subnet and security group selectors match the tag
karpenter.sh/discovery=<cluster-name> (as Karpenter's getting-started guide tags them), with an AMI
alias and the nodes' IAM role. It is checked against the EC2NodeClass CRD's rules before it is sent.
As with kubectl create, -o yaml without --dry-run creates it; --dry-run=client prints it only.`,
		Example: createEC2NodeClassExample,
		Args:    exactlyOneName("ec2nodeclass"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Complete(args); err != nil {
				return err
			}
			if err := o.Validate(cmd.Context()); err != nil {
				return err
			}
			return o.Run(cmd.Context())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Flags.ClusterName, "cluster-name", "", "Cluster name: the value of the karpenter.sh/discovery tag on its subnets and security groups (required).")
	f.StringVar(&o.Flags.Role, "role", "", "IAM role of the nodes (default KarpenterNodeRole-<cluster-name>).")
	f.StringVar(&o.Flags.InstanceProfile, "instance-profile", "", "Existing IAM instance profile, instead of --role.")
	f.StringVar(&o.Flags.AMIAlias, "ami-alias", "al2023@latest", "AMI family@version: al2023, al2, bottlerocket, windows2019 or windows2022.")
	o.create.addFlags(cmd)
	_ = cmd.RegisterFlagCompletionFunc("ami-alias", cobra.FixedCompletions([]string{"al2023@latest", "al2@latest", "bottlerocket@latest", "windows2019@latest", "windows2022@latest"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// Complete builds the EC2NodeClass.
func (o *CreateEC2NodeClassOptions) Complete(args []string) error {
	o.Name = args[0]
	obj, origins, err := manifest.BuildEC2NodeClass(o.Name, o.Flags)
	if err != nil {
		return err
	}
	o.obj, o.origins = obj, origins
	return nil
}

// Validate checks the flags and the EC2NodeClass by its CRD's rules.
func (o *CreateEC2NodeClassOptions) Validate(ctx context.Context) error {
	if err := o.create.validate(); err != nil {
		return err
	}
	return manifest.ValidateEC2NodeClass(ctx, o.obj, o.origins)
}

// Run creates the EC2NodeClass, or prints it.
func (o *CreateEC2NodeClassOptions) Run(ctx context.Context) error {
	if o.create.DryRun == dryRunClient {
		return o.create.create(ctx, o.d, nil, kube.EC2NodeClasses, "EC2NodeClass", o.obj, o.origins)
	}
	c, err := o.d.clients()
	if err != nil {
		return fmt.Errorf("connecting to the cluster: %w", err)
	}
	return o.create.create(ctx, o.d, c, kube.EC2NodeClasses, "EC2NodeClass", o.obj, o.origins)
}
