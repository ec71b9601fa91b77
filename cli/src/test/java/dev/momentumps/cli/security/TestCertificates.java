package dev.momentumps.cli.security;

import java.io.IOException;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A throwaway CA and certificates it signs, written as PEM files at test time (never checked in). */
final class TestCertificates {
    private final KeyPair caKeys;
    private final X509Certificate ca;
    private long serial = 1;

    TestCertificates(String caName) throws Exception {
        caKeys = keys();
        ca = sign(new X500Name("CN=" + caName), caKeys, true, null, caKeys.getPrivate(), new X500Name("CN=" + caName));
    }

    private static KeyPair keys() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        return g.generateKeyPair();
    }

    private X509Certificate sign(X500Name subject, KeyPair subjectKeys, boolean isCa, GeneralNames sans,
                                 PrivateKey issuerKey, X500Name issuer) throws Exception {
        long now = System.currentTimeMillis();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(serial++),
                new Date(now - 60_000), new Date(now + 86_400_000L), subject, subjectKeys.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
        if (sans != null) {
            b.addExtension(Extension.subjectAlternativeName, false, sans);
        }
        return new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
    }

    /** Writes the CA certificate to {@code file}. */
    Path writeCa(Path file) throws IOException {
        pem(file, ca);
        return file;
    }

    /** A certificate for localhost / 127.0.0.1 signed by this CA: writes {@code name}.pem and {@code name}.key. */
    Path[] issue(Path dir, String name) throws Exception {
        KeyPair k = keys();
        GeneralNames sans = new GeneralNames(new GeneralName[] {new GeneralName(GeneralName.dNSName, "localhost"),
                new GeneralName(GeneralName.iPAddress, "127.0.0.1")});
        X509Certificate cert = sign(new X500Name("CN=" + name), k, false, sans, caKeys.getPrivate(),
                new X500Name(ca.getSubjectX500Principal().getName()));
        Path certFile = dir.resolve(name + ".pem");
        Path keyFile = dir.resolve(name + ".key");
        pem(certFile, cert);
        pem(keyFile, new JcaPKCS8Generator(k.getPrivate(), null).generate());
        return new Path[] {certFile, keyFile};
    }

    private static void pem(Path file, Object o) throws IOException {
        try (Writer w = Files.newBufferedWriter(file); JcaPEMWriter p = new JcaPEMWriter(w)) {
            p.writeObject(o);
        }
    }
}
