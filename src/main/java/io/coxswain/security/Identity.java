package io.coxswain.security;

import java.security.cert.X509Certificate;
import java.util.List;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * Who a request comes from, as Kubernetes names it: a user and groups (from a client certificate's CN and
 * O entries, or from a bearer token).
 */
public record Identity(String user, List<String> groups) {
  public static final String ADMINS = "system:masters";
  public static final String NODES = "system:nodes";
  public static final String VIEWERS = "coxswain:viewers";
  public static final String NODE_PREFIX = "system:node:";
  /** Masters' Raft peer identities: the only certificates the peer port lets in. */
  public static final String PEERS = "coxswain:peers";

  public Identity {
    groups = List.copyOf(groups);
  }

  public static Identity of(X509Certificate cert) {
    String cn = "";
    try {
      for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) {
          cn = String.valueOf(rdn.getValue());
        }
      }
    } catch (InvalidNameException e) {
      // no CN: an empty user, which no rule allows
    }
    return new Identity(cn, Credentials.organizations(cert));
  }

  public static Identity node(String nodeName) {
    return new Identity(NODE_PREFIX + nodeName, List.of(NODES));
  }

  public static Identity admin(String user) {
    return new Identity(user, List.of(ADMINS));
  }

  public boolean isAdmin() {
    return groups.contains(ADMINS);
  }

  /** The node this identity speaks for, or null when it is not a node. */
  public String nodeName() {
    return groups.contains(NODES) && user.startsWith(NODE_PREFIX) && user.length() > NODE_PREFIX.length()
        ? user.substring(NODE_PREFIX.length()) : null;
  }

  public boolean isViewer() {
    return groups.contains(VIEWERS);
  }
}
