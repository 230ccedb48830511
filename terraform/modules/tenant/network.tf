# Security groups: each component accepts traffic only from the components that need it.
# The relay's egress on 443 stays open to any address because Secrets Manager, ECR and CloudWatch
# Logs are reached either through a NAT gateway or through interface endpoints whose addresses are
# not known in advance.

data "aws_vpc" "this" {
  id = var.vpc_id
}

locals {
  security_groups = merge(
    {
      functions = "Posduif ${var.tenant_id} functions (Lambda)"
      relay     = "Posduif ${var.tenant_id} SSE relay tasks"
      alb       = "Posduif ${var.tenant_id} relay load balancer"
      db_proxy  = "Posduif ${var.tenant_id} RDS Proxy"
      redis     = "Posduif ${var.tenant_id} Valkey"
    },
    var.database_mode == "rds" ? { database = "Posduif ${var.tenant_id} PostgreSQL" } : {},
    var.create_vpc_endpoints ? { endpoints = "Posduif ${var.tenant_id} VPC interface endpoints" } : {},
  )

  # from -> to on a port, both security groups of this module.
  sg_links = merge(
    {
      alb_to_relay       = { from = "alb", to = "relay", port = local.relay_port }
      functions_to_proxy = { from = "functions", to = "db_proxy", port = local.proxy_port }
      relay_to_proxy     = { from = "relay", to = "db_proxy", port = local.proxy_port }
      functions_to_redis = { from = "functions", to = "redis", port = local.redis_port }
      relay_to_redis     = { from = "relay", to = "redis", port = local.redis_port }
    },
    var.database_mode == "rds" ? {
      proxy_to_database = { from = "db_proxy", to = "database", port = local.db_port }
    } : {},
    var.create_vpc_endpoints ? {
      relay_to_endpoints = { from = "relay", to = "endpoints", port = 443 }
    } : {},
  )
}

resource "aws_security_group" "this" {
  for_each = local.security_groups

  # A prefix, not a fixed name: create_before_destroy needs the replacement to coexist.
  name_prefix = "${local.name}-${replace(each.key, "_", "-")}-"
  description = each.value
  vpc_id      = var.vpc_id
  tags        = merge(local.tags, { Name = "${local.name}-${replace(each.key, "_", "-")}" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_egress_rule" "link" {
  for_each = local.sg_links

  security_group_id            = aws_security_group.this[each.value.from].id
  referenced_security_group_id = aws_security_group.this[each.value.to].id
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
  description                  = "${each.value.from} to ${each.value.to}"
}

resource "aws_vpc_security_group_ingress_rule" "link" {
  for_each = local.sg_links

  security_group_id            = aws_security_group.this[each.value.to].id
  referenced_security_group_id = aws_security_group.this[each.value.from].id
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
  description                  = "${each.value.from} to ${each.value.to}"
}

# An existing database's security group is not ours: the proxy may reach the database port inside
# the VPC, and the operator admits the proxy's group on the database side (see README).
resource "aws_vpc_security_group_egress_rule" "proxy_to_existing_database" {
  count = var.database_mode == "existing" ? 1 : 0

  security_group_id = aws_security_group.this["db_proxy"].id
  cidr_ipv4         = data.aws_vpc.this.cidr_block
  ip_protocol       = "tcp"
  from_port         = local.db_port
  to_port           = local.db_port
  description       = "RDS Proxy to the existing database"
}

# Only the relay tasks call AWS APIs from inside the VPC (image pull, secrets, logs); the
# functions get their configuration from Lambda and reach only the proxy and Valkey.
resource "aws_vpc_security_group_egress_rule" "relay_https" {
  security_group_id = aws_security_group.this["relay"].id
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  description       = "AWS APIs (Secrets Manager, ECR, CloudWatch Logs)"
}

resource "aws_vpc_security_group_ingress_rule" "alb_public" {
  for_each = {
    for pair in setproduct(var.relay_ingress_cidrs, [80, 443]) : "${pair[0]}:${pair[1]}" => { cidr = pair[0], port = pair[1] }
  }

  security_group_id = aws_security_group.this["alb"].id
  cidr_ipv4         = each.value.cidr
  ip_protocol       = "tcp"
  from_port         = each.value.port
  to_port           = each.value.port
  description       = each.value.port == 443 ? "SSE clients" : "Redirect to HTTPS"
}

# --- VPC endpoints (private subnets without NAT) -----------------------------------------------

resource "aws_vpc_endpoint" "interface" {
  for_each = var.create_vpc_endpoints ? toset(["secretsmanager", "ecr.api", "ecr.dkr", "logs"]) : toset([])

  vpc_id              = var.vpc_id
  service_name        = "com.amazonaws.${local.region}.${each.key}"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = var.private_subnet_ids
  security_group_ids  = [aws_security_group.this["endpoints"].id]
  private_dns_enabled = true
  tags                = merge(local.tags, { Name = "${local.name}-${each.key}" })
}

resource "aws_vpc_endpoint" "s3" {
  count = var.create_vpc_endpoints && length(var.private_route_table_ids) > 0 ? 1 : 0

  vpc_id            = var.vpc_id
  service_name      = "com.amazonaws.${local.region}.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = var.private_route_table_ids
  tags              = merge(local.tags, { Name = "${local.name}-s3" })
}
