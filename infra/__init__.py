"""What builds, deploys or emulates infrastructure besides template.yaml: the embedded local stack."""
