# One tenant ("acme") in an existing VPC: new RDS instance, ElastiCache Valkey, relay on Fargate.
# Copy terraform.tfvars.example to terraform.tfvars, fill it in, then terraform init && apply.

module "tenant" {
  source = "../../modules/tenant"

  tenant_id          = var.tenant_id
  vpc_id             = var.vpc_id
  private_subnet_ids = var.private_subnet_ids
  public_subnet_ids  = var.public_subnet_ids

  console_origin              = var.console_origin
  functions_package_s3_bucket = var.functions_package_s3_bucket
  functions_package_s3_key    = var.functions_package_s3_key

  relay_image           = var.relay_image
  relay_certificate_arn = var.relay_certificate_arn
  relay_public_url      = var.relay_public_url

  # The protocol's 15 s heartbeat; the ALB waits four times as long before cutting a silent stream.
  sse_heartbeat_seconds    = 15
  alb_idle_timeout_seconds = 60

  alarm_sns_topic_arns = var.alarm_email_topic_arn == null ? [] : [var.alarm_email_topic_arn]

  tags = {
    CostCenter = "sync"
  }
}
