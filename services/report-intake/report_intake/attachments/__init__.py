"""Evidence a reporter adds to a case: received as it streams, sniffed, stripped of metadata, sealed with the
case's data key into the object store; downloaded by the agencies holding the case and by supervisors, every
download audited."""
