package io.coxswain.security;

/** The API paths of joining a cluster and of its tokens. */
public final class JoinPaths {
  /** GET: the cluster CA (PEM), open to anyone: a joiner checks it against its token's hash. */
  public static final String CA = "/coxswain/v1/ca";
  /** POST: a join token and a certificate request in, a signed certificate out. */
  public static final String JOIN = "/coxswain/v1/join";
  /** POST (a node, with its current certificate): a certificate request in, a new certificate for the same identity out. */
  public static final String RENEW = "/coxswain/v1/certificates/renew";
  /** When a rotation was last asked for, and the masters' certificates. */
  public static final String CERTIFICATES = "/coxswain/v1/certificates";
  /** Join tokens (admins): POST creates, GET lists, DELETE /ID revokes. */
  public static final String TOKENS = "/coxswain/v1/tokens";

  private JoinPaths() {
  }
}
