package plugintest

import (
	"context"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/client"
)

// CreateWithStatus creates obj and then writes the status it was given, which create ignores.
// obj ends with the resource version of the status update.
func CreateWithStatus(ctx context.Context, c client.Client, obj client.Object) error {
	withStatus := obj.DeepCopyObject().(client.Object)
	if err := c.Create(ctx, obj); err != nil {
		return fmt.Errorf("creating %T %s: %w", obj, obj.GetName(), err)
	}
	withStatus.SetResourceVersion(obj.GetResourceVersion())
	withStatus.SetUID(obj.GetUID())
	withStatus.SetCreationTimestamp(obj.GetCreationTimestamp())
	if err := c.Status().Update(ctx, withStatus); err != nil {
		return fmt.Errorf("writing the status of %T %s: %w", obj, obj.GetName(), err)
	}
	obj.SetResourceVersion(withStatus.GetResourceVersion())
	return nil
}
