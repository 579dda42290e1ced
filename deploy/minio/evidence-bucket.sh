#!/bin/sh
# The evidence bucket, set up idempotently (compose's evidence-bucket job; k8s/base/report-intake runs the same
# steps): encrypted by default (SSE-S3), objects expiring with the case retention (CASE, 1,825 days, plus a
# margin: the service deletes them on erasure; this catches what it could not), abandoned resumable-upload parts
# after 3 days (MinIO drops incomplete multipart uploads itself after 24 h); report-intake's own user may touch only this bucket.
set -eu
BUCKET="${EVIDENCE_BUCKET:-kentongan-evidence}"
mc alias set store "$MINIO_URL" "${MINIO_ROOT_USER:-kentongan-admin}" "$MINIO_ROOT_PASSWORD"
mc mb --ignore-existing "store/$BUCKET"
mc encrypt set sse-s3 "store/$BUCKET"
mc anonymous set none "store/$BUCKET"
mc ilm rule ls "store/$BUCKET" >/dev/null 2>&1 && mc ilm rule rm --all --force "store/$BUCKET" || true
mc ilm rule add --prefix "evidence/" --expire-days 1830 "store/$BUCKET"
mc ilm rule add --prefix "uploads/" --expire-days 3 "store/$BUCKET"
cat > /tmp/evidence-policy.json <<POLICY
{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
  "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload",
             "s3:ListMultipartUploadParts", "s3:ListBucket", "s3:GetBucketLocation"],
  "Resource": ["arn:aws:s3:::$BUCKET", "arn:aws:s3:::$BUCKET/*"]}]}
POLICY
mc admin policy create store report-intake-evidence /tmp/evidence-policy.json 2>/dev/null || true
mc admin user add store report-intake "$EVIDENCE_S3_SECRET_KEY"
mc admin policy attach store report-intake-evidence --user report-intake 2>/dev/null || true
